import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from './build-test-app.ts';

describe('the data stack', () => {
  it('creates the MongoDB, API key and RabbitMQ secrets, kept when the stack is deleted', () => {
    const template = Template.fromStack(buildTestApp().data);
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(3);
    for (const secret of secrets) {
      expect(secret).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('uses existing secrets by name instead when the context names them', () => {
    const { data } = buildTestApp({
      mongoUriSecretName: 'almanach/prod/mongodb-uri',
      authTokenSecretName: 'almanach/prod/api-key',
      rabbitmqUrlSecretName: 'almanach/prod/rabbitmq-url',
    });
    Template.fromStack(data).resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(data.mongoUriSecret.secretName).toBe('almanach/prod/mongodb-uri');
    expect(data.rabbitMqUrlSecret?.secretName).toBe('almanach/prod/rabbitmq-url');
  });

  it('says, for each created secret, why it has no rotation function and how the operations runbook rotates it', () => {
    const secrets = Object.values(
      Template.fromStack(buildTestApp().data).findResources('AWS::SecretsManager::Secret'),
    );
    const reasons = secrets.map((secret) => JSON.stringify(secret.Metadata?.cdk_nag?.rules_to_suppress));
    expect(reasons).toHaveLength(3);
    for (const reason of reasons) {
      expect(reason).toContain('"id":"AwsSolutions-SMG4"');
      expect(reason).toContain('runbook in docs/operations.md');
    }
    expect(new Set(reasons).size).toBe(3);
  });
});
