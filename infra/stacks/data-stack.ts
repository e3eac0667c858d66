import { Stack, type StackProps } from 'aws-cdk-lib';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

export interface DataStackProps extends StackProps {
  /** An existing secret holding the MongoDB Atlas URI; without it an empty secret is created to fill in. */
  mongoUriSecretName?: string;
}

/** Secrets outlive the functions that read them: a stack of their own. */
export class DataStack extends Stack {
  readonly mongoUriSecret: ISecret;

  constructor(scope: Construct, id: string, props: DataStackProps = {}) {
    super(scope, id, props);
    this.mongoUriSecret = props.mongoUriSecretName
      ? Secret.fromSecretNameV2(this, 'MongoUri', props.mongoUriSecretName)
      : new Secret(this, 'MongoUri', { description: 'MongoDB Atlas connection string for Almanach' });
  }
}
