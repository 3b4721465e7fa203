// server.js: a real OpenID Connect provider (npm oidc-provider) for fedstore's
// end-to-end tests. It listens on 127.0.0.1 (port from --port, default 0 = any
// free port), prints one line "oidc-provider listening on http://127.0.0.1:PORT"
// when ready, and issues RS256 JWT access tokens through the client-credentials
// grant:
//
//   curl -s -u fedstore-e2e:fedstore-e2e-secret \
//     -d grant_type=client_credentials -d roles=s3admin,readonly \
//     http://127.0.0.1:PORT/token
//
// The token's aud is the resource URN (default urn:fedstore, --resource), its
// header typ is at+jwt, sub is the client id, and it carries a "roles" claim:
// the request's comma-separated roles parameter as a JSON array (absent when
// the parameter is). Extra claims for tests: "groups" (groups parameter, same
// form) and "email" (email parameter).
//
// Only for tests: the client secret is fixed and the signing key is generated
// at start and lives in memory.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const resource = arg('resource', 'urn:fedstore');
const clientId = arg('client-id', 'fedstore-e2e');
const clientSecret = arg('client-secret', 'fedstore-e2e-secret');
const port = Number(arg('port', '0'));

function list(v) {
  if (typeof v !== 'string' || v === '') return undefined;
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

const srv = http.createServer();
srv.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${srv.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    }],
    jwks: { keys: [jwk] },
    extraParams: ['roles', 'groups', 'email'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator) => {
          if (indicator !== resource) {
            throw new Error(`unknown resource ${indicator}`);
          }
          return { scope: '', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 3600 };
        },
      },
    },
    extraTokenClaims: (ctx) => {
      // The token endpoint keeps only its own parameters in ctx.oidc.params;
      // the parsed form body still has ours.
      const p = ctx.oidc.body || {};
      const claims = {};
      const roles = list(p.roles);
      if (roles) claims.roles = roles;
      const groups = list(p.groups);
      if (groups) claims.groups = groups;
      if (typeof p.email === 'string' && p.email !== '') claims.email = p.email;
      return claims;
    },
  });
  provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error:', err));
  srv.on('request', provider.callback());
  console.log(`oidc-provider listening on ${issuer}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => srv.close(() => process.exit(0)));
}
