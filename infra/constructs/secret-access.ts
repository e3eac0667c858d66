import type { IGrantable, IRole } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Read access to one secret, for a function or a role. */
export function grantSecretRead(secret: ISecret, grantee: IGrantable & { role?: IRole }): void {
  secret.grantRead(grantee);
  if (grantee.role) allowSecretNameSuffix(grantee.role, secret);
}

/**
 * A secret imported by name (context `…SecretName`) has no known full ARN, so its grant ends in `-??????`:
 * the random six characters Secrets Manager appends to the name. That wildcard matches this one secret,
 * so the AwsSolutions-IAM5 finding about it, and only it, is suppressed on the role's policies.
 * Call it after the grant: suppressions attach to the policies that exist.
 */
export function allowSecretNameSuffix(role: IConstruct, secret: ISecret): void {
  if (secret.secretFullArn !== undefined) return;
  const name = secret.secretName.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason: `The trailing -?????? is the random suffix Secrets Manager adds to the secret "${secret.secretName}"; it matches that secret only.`,
        appliesTo: [{ regex: `/^Resource::arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:${name}-\\?{6}$/` }],
      },
    ],
    true,
  );
}
