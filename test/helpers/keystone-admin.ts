import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const idOf = z.object({ id: z.string() });

/** What a test does to the keystone suites' Keystone, through its v3 API as the bootstrap admin. */
export class KeystoneAdmin {
  private constructor(
    readonly url: string,
    private readonly adminToken: string,
  ) {}

  static async connect(url: string, adminPassword: string): Promise<KeystoneAdmin> {
    return new KeystoneAdmin(url, await issueToken(url, 'admin', adminPassword, 'admin'));
  }

  /** A new user with `role` on the `admin` project, and a project-scoped token of theirs. */
  async tokenWithRole(role: string): Promise<string> {
    const name = `almanach-test-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const user = idOf.parse(
      (await this.call('POST', '/users', { user: { name, password, domain_id: 'default' } })).user,
    );
    const project = await this.lookup('/projects?name=admin', 'projects');
    const roleId = (await this.lookup(`/roles?name=${role}`, 'roles')) ?? (await this.createRole(role));
    await this.call('PUT', `/projects/${project}/users/${user.id}/roles/${roleId}`);
    return issueToken(this.url, name, password, 'admin');
  }

  /** Revokes a token (DELETE /v3/auth/tokens): Keystone refuses it from now on. */
  async revoke(token: string): Promise<void> {
    await this.call('DELETE', '/auth/tokens', undefined, { 'X-Subject-Token': token });
  }

  private async createRole(name: string): Promise<string> {
    return idOf.parse((await this.call('POST', '/roles', { role: { name } })).role).id;
  }

  private async lookup(path: string, collection: string): Promise<string | undefined> {
    const found = z.array(idOf).parse((await this.call('GET', path))[collection]);
    return found[0]?.id;
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'X-Auth-Token': this.adminToken, 'Content-Type': 'application/json', ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`Keystone ${method} ${path}: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text ? z.record(z.string(), z.unknown()).parse(JSON.parse(text)) : {};
  }
}

/** A password token scoped to a project of the default domain (POST /v3/auth/tokens). */
export async function issueToken(
  url: string,
  user: string,
  password: string,
  project: string,
): Promise<string> {
  const response = await fetch(`${url}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { id: 'default' }, password } },
        },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    }),
  });
  const token = response.headers.get('x-subject-token');
  if (response.status !== 201 || !token) throw new Error(`Keystone issued no token: ${response.status}`);
  await response.body?.cancel();
  return token;
}
