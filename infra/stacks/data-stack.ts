import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type ISecret, Secret, type SecretProps } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';

export interface DataStackProps extends StackProps {
  /** An existing secret holding the MongoDB Atlas URI; without it an empty secret is created to fill in. */
  mongoUriSecretName?: string;
  /** An existing secret holding the API's private key (X-Auth-Token); without it one is generated. */
  authTokenSecretName?: string;
  /** An existing secret holding the bridge's RabbitMQ URL; without it an empty secret is created to fill in. */
  rabbitMqUrlSecretName?: string;
  /** Whether the bridge runs in AWS and needs the RabbitMQ URL at all. */
  withRabbitMqUrl?: boolean;
}

/**
 * Secrets outlive the functions that read them: a stack of their own, and the secrets it creates are kept
 * when the stack is deleted (a redeployed stack creates new ones; the old values stay recoverable).
 */
export class DataStack extends Stack {
  readonly mongoUriSecret: ISecret;
  readonly authTokenSecret: ISecret;
  readonly rabbitMqUrlSecret?: ISecret;

  constructor(scope: Construct, id: string, props: DataStackProps = {}) {
    super(scope, id, props);
    this.mongoUriSecret = this.existingOrNewSecret(
      'MongoUri',
      props.mongoUriSecretName,
      { description: 'MongoDB Atlas connection string for Almanach (mongodb+srv://…)' },
      'Rotated by the runbook in docs/operations.md, not by a rotation function: a second Atlas database user is created, ' +
        'the secret switched to it, and the old user deleted once the functions restarted. A rotation ' +
        'function could do it through the Atlas Admin API, but would need an Atlas API key in this account.',
    );
    this.authTokenSecret = this.existingOrNewSecret(
      'AuthToken',
      props.authTokenSecretName,
      {
        description: "Almanach API private key (clients' X-Auth-Token)",
        generateSecretString: { passwordLength: 40, excludePunctuation: true },
      },
      'The key is shared with the billing clients, so it changes when they can follow, not on a schedule a ' +
        'rotation function would impose: the runbook in docs/operations.md puts the new key beside the old one (one per ' +
        'line, both accepted), lets the clients switch, then removes the old one.',
    );
    if (props.withRabbitMqUrl) {
      this.rabbitMqUrlSecret = this.existingOrNewSecret(
        'RabbitMqUrl',
        props.rabbitMqUrlSecretName,
        {
          description:
            'RabbitMQ URL the Almanach bridge consumes from (amqps://user:password@host:5671/vhost)',
        },
        'The RabbitMQ user belongs to the OpenStack control plane, outside this account, whose operators ' +
          'manage it: the runbook in docs/operations.md creates a second user on the broker, puts its URL here, and starts a ' +
          'new bridge task (force-new-deployment) before the old user is deleted.',
      );
    }
    if (!this.node.findAll().some((construct) => construct instanceof Secret)) {
      Validations.of(this).acknowledge({
        id: 'CloudFormation-Validate::F0001',
        reason:
          'Every secret already exists: the stack has no resources, and cdk deploy skips an empty stack.',
      });
    }
  }

  /** `notRotatedBecause`: why no rotation function, for cdk-nag's AwsSolutions-SMG4. */
  private existingOrNewSecret(
    id: string,
    existingName: string | undefined,
    props: SecretProps,
    notRotatedBecause: string,
  ): ISecret {
    if (existingName) return Secret.fromSecretNameV2(this, id, existingName);
    const secret = new Secret(this, id, { ...props, removalPolicy: RemovalPolicy.RETAIN });
    // Where to put the value: `aws secretsmanager put-secret-value --secret-id <this ARN>`.
    new CfnOutput(this, `${id}SecretArn`, { value: secret.secretArn, description: props.description });
    NagSuppressions.addResourceSuppressions(secret, [{ id: 'AwsSolutions-SMG4', reason: notRotatedBecause }]);
    return secret;
  }
}
