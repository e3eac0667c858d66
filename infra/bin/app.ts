import { App } from 'aws-cdk-lib';
import { ApiStack } from '../stacks/api-stack.ts';
import { DataStack } from '../stacks/data-stack.ts';
import { IngestStack } from '../stacks/ingest-stack.ts';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' ? value : undefined;
};

const data = new DataStack(app, `Almanach-${stage}-Data`, {
  mongoUriSecretName: context('mongoUriSecretName'),
  authTokenSecretName: context('authTokenSecretName'),
});
new IngestStack(app, `Almanach-${stage}-Ingest`, { mongoUriSecret: data.mongoUriSecret });
new ApiStack(app, `Almanach-${stage}-Api`, {
  mongoUriSecret: data.mongoUriSecret,
  authTokenSecret: data.authTokenSecret,
  authStrategy: context('authStrategy'),
  keystoneUrl: context('keystoneUrl'),
});
