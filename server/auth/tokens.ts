import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { EngineAuthError, type AuthUser, type Role } from '../engine/types.js';

export type TokenType = 'access' | 'refresh';

export interface TokenServiceOptions {
  /** HS256 secret; random when omitted (tokens then die with the process). */
  readonly secret?: string;
  /** Access token lifetime in seconds (default 24 h); refresh tokens live 7 × that. */
  readonly accessTokenTtlSeconds?: number;
}

export interface IssuedTokens {
  readonly accessToken: string;
  readonly accessExpiresAt: Date;
  readonly refreshToken: string;
  readonly refreshExpiresAt: Date;
}

/** A token whose signature, issuer, expiry and type are good; its session is checked elsewhere. */
export interface VerifiedToken extends AuthUser {
  readonly sid: string | undefined;
  readonly jti: string | undefined;
}

const ROLES: readonly Role[] = ['anonymous', 'user', 'service', 'dba', 'system'];
const ISSUER = 'kalamdb';

/** HS256 JWTs with the §3.2 claims (sub, iss, exp, iat, role, token_type). */
export class TokenService {
  private readonly key: Uint8Array;
  readonly accessTtlSeconds: number;

  constructor(options: TokenServiceOptions = {}) {
    const secret = options.secret ?? randomBytes(32).toString('base64url');
    this.key = new TextEncoder().encode(secret);
    this.accessTtlSeconds = options.accessTokenTtlSeconds ?? 24 * 3600;
  }

  /**
   * Signs an access and a refresh token. `session` binds them to a login session (sessions.ts):
   * both carry its `sid`, the refresh token's `jti` is `session.refreshJti`. Tokens without a
   * session are refused by the server's checks; only tests sign them.
   */
  async issue(
    user: AuthUser,
    email: string | null = null,
    nowMs = Date.now(),
    session?: { readonly sid: string; readonly refreshJti: string },
  ): Promise<IssuedTokens> {
    const iat = Math.floor(nowMs / 1000);
    const accessExp = iat + this.accessTtlSeconds;
    const refreshExp = iat + this.accessTtlSeconds * 7;
    const sign = (type: TokenType, exp: number): Promise<string> => {
      const claims: Record<string, unknown> = { role: user.role, token_type: type };
      if (email !== null) claims['email'] = email;
      if (session !== undefined) claims['sid'] = session.sid;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(user.id)
        .setIssuer(ISSUER)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(type === 'refresh' && session !== undefined ? session.refreshJti : randomBytes(8).toString('hex'))
        .sign(this.key);
    };
    return {
      accessToken: await sign('access', accessExp),
      accessExpiresAt: new Date(accessExp * 1000),
      refreshToken: await sign('refresh', refreshExp),
      refreshExpiresAt: new Date(refreshExp * 1000),
    };
  }

  /** Verifies signature, issuer, expiry and token type; throws EngineAuthError (never echoing the token). */
  async verify(token: string, type: TokenType): Promise<VerifiedToken> {
    if (token.length === 0 || token.length > 8192) throw new EngineAuthError('INVALID_CREDENTIALS');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER }));
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new EngineAuthError('TOKEN_EXPIRED', 'Token expired');
      throw new EngineAuthError('INVALID_CREDENTIALS');
    }
    const sub = payload['sub'];
    const role = payload['role'] ?? 'user';
    const tokenType = payload['token_type'] ?? 'access';
    if (typeof sub !== 'string' || sub === '' || !ROLES.includes(role as Role)) throw new EngineAuthError('INVALID_CREDENTIALS');
    if (tokenType !== type) {
      throw new EngineAuthError(
        'INVALID_CREDENTIALS',
        type === 'refresh' ? 'Refresh endpoint requires a refresh token' : 'An access token is required',
      );
    }
    const sid = payload['sid'];
    const jti = payload['jti'];
    return { id: sub, role: role as Role, sid: typeof sid === 'string' ? sid : undefined, jti: typeof jti === 'string' ? jti : undefined };
  }
}
