import { App } from 'aws-cdk-lib';
import { DataStack } from '../stacks/data-stack.ts';
import { IngestStack } from '../stacks/ingest-stack.ts';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
const mongoUriSecretName = app.node.tryGetContext('mongoUriSecretName') as string | undefined;

const data = new DataStack(app, `Almanach-${stage}-Data`, { mongoUriSecretName });
new IngestStack(app, `Almanach-${stage}-Ingest`, { mongoUriSecret: data.mongoUriSecret });
