import { Stack, type StackProps } from 'aws-cdk-lib';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

export interface DataStackProps extends StackProps {
  /** An existing secret holding the MongoDB Atlas URI; without it an empty secret is created to fill in. */
  mongoUriSecretName?: string;
  /** An existing secret holding the API's private key (X-Auth-Token); without it one is generated. */
  authTokenSecretName?: string;
}

/** Secrets outlive the functions that read them: a stack of their own. */
export class DataStack extends Stack {
  readonly mongoUriSecret: ISecret;
  readonly authTokenSecret: ISecret;

  constructor(scope: Construct, id: string, props: DataStackProps = {}) {
    super(scope, id, props);
    this.mongoUriSecret = props.mongoUriSecretName
      ? Secret.fromSecretNameV2(this, 'MongoUri', props.mongoUriSecretName)
      : new Secret(this, 'MongoUri', { description: 'MongoDB Atlas connection string for Almanach' });
    this.authTokenSecret = props.authTokenSecretName
      ? Secret.fromSecretNameV2(this, 'AuthToken', props.authTokenSecretName)
      : new Secret(this, 'AuthToken', {
          description: "Almanach API private key (clients' X-Auth-Token)",
          generateSecretString: { passwordLength: 40, excludePunctuation: true },
        });
  }
}
