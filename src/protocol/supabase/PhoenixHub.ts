/**
 * The driver's registry of topics across sockets: which channel or feed owns a topic and which join
 * ref is current, the open session (if any), and the user token. It drops stale messages (a join
 * ref that is not the topic's current one), tells every member when a socket opens or closes, and
 * keeps the token fresh: joins never carry an expired token, a refreshed token is pushed as
 * `access_token` to every joined topic, and a token close to `exp` is refreshed before it lapses
 * (§3.5, §7 #3).
 */
import { jwtExpiry } from '../../connection/passwordLogin.js';
import type { Timers } from '../../connection/timers.js';
import { AuthError, isLivebindError } from '../../errors.js';
import type { LivebindError } from '../../errors.js';
import type { PhoenixMessage } from './phoenixMessage.js';
import { ACCESS_TOKEN } from './phoenixMessage.js';
import type { PhoenixSession, SessionHub } from './PhoenixSession.js';
import type { RefCounter } from './RefCounter.js';

/** A channel port or a postgres_changes feed: the owner of one topic. */
export interface TopicMember {
  readonly topic: string;
  /** The current join ref; messages with another (non-null) join ref are stale and dropped. */
  readonly joinRef: string | undefined;
  /** True between an ok join reply and the end of that membership. */
  readonly joined: boolean;
  receive(message: PhoenixMessage): void;
  socketOpened(): void;
  socketClosed(error: LivebindError): void;
  /** The connection gave up for good (authentication failed): end with this error. */
  stopped(error: LivebindError): void;
}

/** Why a fresh token is needed: a join (the held one is about to expire) or a refresh before `exp`. */
export type TokenNeed = 'expired';

export interface PhoenixHubOptions {
  readonly refs: RefCounter;
  readonly timers: Timers;
  readonly now: () => number;
  /**
   * The user token source; undefined when the apikey alone authorises (no `access_token` sent).
   * Called for a fresh token when the held one expires within `tokenMarginMs`.
   */
  readonly token?: ((need: TokenNeed) => Promise<string>) | undefined;
  /** Refresh this long before `exp` (default 60 s; the server's watchdog closes channels at `exp`). */
  readonly tokenMarginMs: number;
  /** Ask the connection to open the socket (lazy connect); a no-op while one is open. */
  readonly connect: () => void;
}

export class PhoenixHub implements SessionHub {
  private openSession: PhoenixSession | undefined;
  private readonly members = new Map<string, TopicMember>();
  private token: string | undefined;
  private refreshTimer: unknown;
  private refreshing: Promise<string | AuthError> | undefined;

  constructor(private readonly options: PhoenixHubOptions) {}

  get session(): PhoenixSession | undefined {
    return this.openSession;
  }

  get refs(): RefCounter {
    return this.options.refs;
  }

  register(member: TopicMember): void {
    this.members.set(member.topic, member);
    if (this.openSession === undefined) this.options.connect();
  }

  unregister(member: TopicMember): void {
    if (this.members.get(member.topic) === member) this.members.delete(member.topic);
  }

  member(topic: string): TopicMember | undefined {
    return this.members.get(topic);
  }

  // ---- SessionHub --------------------------------------------------------------------------

  socketOpened(session: PhoenixSession, token: string): void {
    this.openSession = session;
    if (this.options.token !== undefined && token !== '' && token !== this.token) this.adopt(token);
    for (const member of [...this.members.values()]) member.socketOpened();
  }

  socketClosed(session: PhoenixSession, error: LivebindError): void {
    if (session !== this.openSession) return;
    this.openSession = undefined;
    for (const member of [...this.members.values()]) member.socketClosed(error);
  }

  tokenChanged(token: string): void {
    if (this.options.token === undefined || token === this.token) return;
    this.adopt(token);
    if (this.isExpiring(token)) return; // never push an expired token; the next join refreshes
    const session = this.openSession;
    if (session === undefined) return;
    for (const member of this.members.values()) {
      if (!member.joined || member.joinRef === undefined) continue;
      session.push({ joinRef: member.joinRef, ref: this.options.refs.next(), topic: member.topic, event: ACCESS_TOKEN, payload: { access_token: token } });
    }
  }

  route(message: PhoenixMessage): void {
    const member = this.members.get(message.topic);
    if (member === undefined) return;
    if (message.joinRef !== null && message.joinRef !== member.joinRef) return; // a previous membership's
    member.receive(message);
  }

  // ---- tokens ------------------------------------------------------------------------------

  /**
   * The token for a join: undefined without user auth, a token that outlives the margin, or the
   * AuthError of a refresh that failed (the join is then not sent). `refresh` forces a new token
   * (the server closed the channel for an expired one).
   */
  async joinToken(refresh: boolean): Promise<string | undefined | AuthError> {
    if (this.options.token === undefined) return undefined;
    const held = this.token;
    if (!refresh && held !== undefined && !this.isExpiring(held)) return held;
    return this.refresh();
  }

  /** The connection stopped for good: every member ends with the error. */
  stopped(error: LivebindError): void {
    for (const member of [...this.members.values()]) member.stopped(error);
  }

  /** Stop the refresh timer (client closed). */
  dispose(): void {
    this.options.timers.clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.members.clear();
  }

  private refresh(): Promise<string | AuthError> {
    const source = this.options.token;
    if (source === undefined) return Promise.resolve(new AuthError('No token source.', { code: 'NO_TOKEN' }));
    this.refreshing ??= source('expired')
      .then((token): string | AuthError => {
        if (this.isExpiring(token)) {
          return new AuthError('The auth provider returned a token that is already expired (or expires within the refresh margin); channels are not joined with it. Return a fresh token.', { code: 'TOKEN_EXPIRED' });
        }
        this.tokenChanged(token);
        return token;
      })
      .catch((error: unknown) => (isLivebindError(error) && error.kind === 'auth' ? (error as AuthError) : new AuthError('Fetching a fresh token failed; see `cause`.', { code: 'AUTH_PROVIDER_FAILED', cause: error })))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private adopt(token: string): void {
    this.token = token;
    this.options.timers.clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    const exp = jwtExpiry(token);
    if (exp === undefined) return;
    const due = Math.max(0, exp - this.options.tokenMarginMs - this.options.now());
    this.refreshTimer = this.options.timers.setTimeout(() => {
      this.refreshTimer = undefined;
      if ([...this.members.values()].some((m) => m.joined)) void this.refresh();
    }, due);
  }

  private isExpiring(token: string): boolean {
    const exp = jwtExpiry(token);
    return exp !== undefined && exp - this.options.tokenMarginMs <= this.options.now();
  }
}
