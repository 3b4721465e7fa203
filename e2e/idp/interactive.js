// interactive.js: the npm oidc-provider configured for interactive sign-in,
// for fedstore's human sign-in tests (fedstore login, /login). It listens on
// 127.0.0.1 (--port, default 0 = any free port) and prints one line
// "oidc-provider listening on http://127.0.0.1:PORT" when ready.
//
// - One public client (--client-id, default fedstore-cli): no secret
//   (token_endpoint_auth_method none), PKCE required, application_type
//   native so loopback redirect URIs match on any port (RFC 8252 7.3):
//   http://127.0.0.1/callback (fedstore login) and
//   http://127.0.0.1/login/callback (fedstore's sign-in page).
// - Grants: authorization_code, refresh_token (a refresh token is always
//   issued, rotated on use) and the device flow (RFC 8628).
// - Login: oidc-provider's built-in development form (devInteractions):
//   any login name and any password; then a consent page ("Continue").
// - Accounts: every login exists; its "roles" claim comes from --users
//   "alice=s3admin,readonly;bob=" (unknown logins get no roles). ID tokens
//   carry roles and email directly (conformIdTokenClaims false).
//
// Only for tests: the signing key is generated at start and lives in memory.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const clientId = arg('client-id', 'fedstore-cli');
const port = Number(arg('port', '0'));
const idTokenTTL = Number(arg('id-token-ttl', '600'));

// --users "alice=s3admin,readonly;bob="
const users = new Map();
for (const entry of arg('users', 'alice=s3admin').split(';')) {
  const [name, roles = ''] = entry.split('=');
  if (name && name.trim() !== '') {
    users.set(name.trim(), roles.split(',').map((r) => r.trim()).filter((r) => r !== ''));
  }
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

const srv = http.createServer();
srv.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${srv.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback', 'http://127.0.0.1/login/callback'],
    }],
    jwks: { keys: [jwk] },
    scopes: ['openid', 'offline_access'],
    claims: { openid: ['sub', 'roles', 'email'] },
    conformIdTokenClaims: false,
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, roles: users.get(id) || [], email: `${id}@example.test` }),
    }),
    issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: { IdToken: idTokenTTL, AccessToken: 600, RefreshToken: 86400, DeviceCode: 600 },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
    },
  });
  provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error:', err));
  provider.on('grant.error', (ctx, err) => console.error('oidc-provider grant.error:', err.message, err.error_description || ''));
  srv.on('request', provider.callback());
  console.log(`oidc-provider listening on ${issuer}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => srv.close(() => process.exit(0)));
}
