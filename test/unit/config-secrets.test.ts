import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '#config/schema';
import { withResolvedSecrets } from '#config/secrets';

vi.mock('@aws-lambda-powertools/parameters/secrets', () => ({ getSecret: vi.fn() }));

const ENV = { MONGODB_URI_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mongo' };

function secretHolds(value: string): void {
  vi.mocked(getSecret).mockResolvedValue(value);
}

beforeEach(() => {
  vi.mocked(getSecret).mockReset();
});

describe('the MongoDB URI secret', () => {
  it('is read as the URI itself', async () => {
    secretHolds(' mongodb+srv://u:p@cluster0.example.net/almanach\n');
    expect((await withResolvedSecrets(ENV)).MONGODB_URI).toBe(
      'mongodb+srv://u:p@cluster0.example.net/almanach',
    );
  });

  it("is read from a JSON secret's uri field", async () => {
    secretHolds('{"uri": "mongodb+srv://u:p@cluster0.example.net/almanach"}');
    expect((await withResolvedSecrets(ENV)).MONGODB_URI).toBe(
      'mongodb+srv://u:p@cluster0.example.net/almanach',
    );
  });

  it('refuses malformed JSON with a ConfigError that does not quote the secret', async () => {
    secretHolds('{"uri": admin:hunter2}');
    const refused = withResolvedSecrets(ENV);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.not.toThrow(/hunter2|admin/);
  });
});
