/**
 * One topic's channel: the state machine of docs/SPEC.md "Channels" (idle → joining → joined →
 * errored → … ; closed after a runtime kill), fed by a protocol driver through its ChannelSink.
 * It holds the channel joined while anything uses it (a subscriber of any of its observables, a
 * tracked presence, a pending send) and leaves when the last use ends (observables after their
 * grace period, track/send after `graceMs`). Rejoins never send a leave first.
 */
import { ChannelError } from '../errors.js';
import type { LivebindError } from '../errors.js';
import { createLiveSource } from '../store/createLiveObservable.js';
import type { LiveSource } from '../store/createLiveObservable.js';
import { BroadcastSender } from './BroadcastSender.js';
import type { ChannelConfig, ChannelPort, ChannelPortFactory, ChannelSink } from './ChannelPort.js';
import type { ChannelRuntime } from './channelRuntime.js';
import { PresenceTracker } from './PresenceTracker.js';
import { PresenceView } from './PresenceView.js';
import { initialPresenceSync, presenceDiff, presenceJoining, presenceState } from './presenceSync.js';
import type { PresenceStep, PresenceSync } from './presenceSync.js';
import { rejoinDelay } from './rejoinDelay.js';
import type { ChannelBroadcast, ChannelHandle, ChannelState, PresenceEvent, PresenceSnapshot } from './types.js';

type Meta = Record<string, unknown>;

/** A join that lasted this long resets the count of token kills (see `closed`). */
const TOKEN_KILL_RESET_MS = 60_000;
/** Refresh-and-rejoin after token kills at most this many times in a row; then the channel stays closed. */
const MAX_TOKEN_KILLS = 3;

export interface ChannelHooks {
  /** The channel started (first use after idle). */
  onActive(channel: Channel): void;
  /** The channel left and is idle again. */
  onIdle(channel: Channel): void;
}

export class Channel {
  readonly handle: ChannelHandle;
  private port: ChannelPort | undefined;
  private state: ChannelState = Object.freeze({ status: 'idle', error: undefined, attempt: 0 });
  private refs = 0;
  private releaseTimer: unknown;
  private joinTimer: unknown;
  private rejoinTimer: unknown;
  private warnTimer: unknown;
  private socketDown = false;
  private presenceListeners = 0;
  private joiningWithPresence = false;
  private joinedWithPresence = false;
  private joinedAt = 0;
  private tokenKills = 0;
  private presence: PresenceSync<Meta> = initialPresenceSync<Meta>();
  private readonly view: PresenceView<Meta>;
  private readonly tracker: PresenceTracker;
  private readonly sender: BroadcastSender;
  private readonly statusSource: LiveSource<ChannelState>;
  private readonly presenceSource: LiveSource<PresenceSnapshot<Meta>>;
  private readonly eventSource: LiveSource<PresenceEvent<Meta> | undefined>;
  private readonly broadcastSources = new Map<string, LiveSource<ChannelBroadcast | undefined>>();

  constructor(
    readonly topic: string,
    private readonly config: ChannelConfig,
    private readonly factory: ChannelPortFactory,
    private readonly runtime: ChannelRuntime,
    private readonly hooks: ChannelHooks,
  ) {
    const { timers, now } = runtime;
    this.view = new PresenceView<Meta>({
      graceMs: runtime.presenceGraceMs,
      timers,
      now,
      publish: (snapshot, events) => {
        this.presenceSource.set(snapshot as PresenceSnapshot<Meta>);
        for (const e of events) this.eventSource.set(e as PresenceEvent<Meta>);
      },
    });
    this.statusSource = this.source<ChannelState>(this.state, true);
    this.presenceSource = this.source<PresenceSnapshot<Meta>>(this.view.snapshot, true, true);
    this.eventSource = this.source<PresenceEvent<Meta> | undefined>(undefined, false, true);
    this.tracker = new PresenceTracker({
      topic,
      timers,
      now,
      budget: runtime.presenceBudget,
      timeoutMs: runtime.pushTimeoutMs,
      push: (message, done) => this.requirePort().push(message, { ack: true }, done),
      holding: (on) => {
        if (on) {
          this.acquire();
          this.presenceWanted();
        } else this.release(true);
      },
    });
    this.sender = new BroadcastSender({
      topic,
      timers,
      acked: config.broadcast.ack,
      timeoutMs: runtime.pushTimeoutMs,
      queueMax: runtime.queueMax,
      queueTtlMs: runtime.queueTtlMs,
      push: (message, ack, done) => this.requirePort().push(message, { ack }, done),
      hold: () => this.acquire(),
      release: () => this.release(true),
    });
    this.handle = Object.freeze({
      topic,
      status$: this.statusSource.observable,
      presence$: this.presenceSource.observable,
      presenceEvents$: this.eventSource.observable,
      broadcast$: (event?: string) => this.broadcastSource(event).observable,
      track: (meta: Meta) => this.tracker.track(meta),
      untrack: () => this.tracker.untrack(),
      send: this.sender.send.bind(this.sender),
      rejoin: () => this.rejoin(),
    }) as ChannelHandle;
  }

  get status(): ChannelState {
    return this.state;
  }

  /** client.close(): leave and complete every observable. */
  dispose(): void {
    this.stop();
    this.statusSource.complete();
    this.presenceSource.complete();
    this.eventSource.complete();
    for (const s of this.broadcastSources.values()) s.complete();
  }

  private source<T>(initial: T, replay: boolean, presence = false): LiveSource<T> {
    return createLiveSource<T>({
      initial,
      replay,
      graceMs: this.runtime.graceMs,
      timers: this.runtime.timers,
      start: () => {
        if (presence) this.presenceListeners++;
        this.acquire();
        if (presence) this.presenceWanted();
      },
      stop: () => {
        if (presence) this.presenceListeners--;
        this.release(false);
      },
    });
  }

  private broadcastSource(event: string | undefined): LiveSource<ChannelBroadcast | undefined> {
    const name = event === undefined || event === '*' ? '*' : event.toLowerCase();
    let source = this.broadcastSources.get(name);
    if (!source) {
      const created = createLiveSource<ChannelBroadcast | undefined>({
        initial: undefined,
        replay: false,
        graceMs: this.runtime.graceMs,
        timers: this.runtime.timers,
        start: () => {
          if (!this.broadcastSources.has(name)) this.broadcastSources.set(name, created);
          this.acquire();
        },
        stop: () => {
          if (this.broadcastSources.get(name) === created) this.broadcastSources.delete(name);
          this.release(false);
        },
      });
      source = created;
      this.broadcastSources.set(name, source);
    }
    return source;
  }

  // ---- use counting -------------------------------------------------------------------------

  private acquire(): void {
    this.refs++;
    this.runtime.timers.clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    if (this.refs === 1 && this.state.status === 'idle') {
      this.hooks.onActive(this);
      this.join(false);
    }
  }

  private release(graced: boolean): void {
    this.refs--;
    if (this.refs > 0) return;
    if (!graced) return this.stop();
    this.runtime.timers.clearTimeout(this.releaseTimer);
    this.releaseTimer = this.runtime.timers.setTimeout(() => {
      this.releaseTimer = undefined;
      if (this.refs === 0) this.stop();
    }, this.runtime.graceMs);
  }

  private presenceWanted(): boolean {
    const wanted = this.presenceListeners > 0 || this.tracker.tracking;
    // Presence was off at the last join: rejoin with it on (the server sends no state otherwise).
    if (wanted && this.state.status === 'joined' && !this.joinedWithPresence) this.join(false);
    return wanted;
  }

  // ---- state machine ------------------------------------------------------------------------

  private setState(status: ChannelState['status'], error: LivebindError | undefined, attempt = this.state.attempt): void {
    this.state = Object.freeze({ status, error, attempt });
    this.statusSource.set(this.state);
  }

  private requirePort(): ChannelPort {
    this.port ??= this.factory(this.topic, this.config, this.sink);
    return this.port;
  }

  private join(refreshToken: boolean): void {
    const { timers } = this.runtime;
    timers.clearTimeout(this.rejoinTimer);
    timers.clearTimeout(this.joinTimer);
    this.rejoinTimer = undefined;
    const enabled = this.presenceListeners > 0 || this.tracker.tracking || this.joinedWithPresence;
    this.joiningWithPresence = enabled;
    const config: ChannelConfig = { ...this.config, presence: { key: this.config.presence.key, enabled } };
    // A rejoin over a live membership (presence switched on): pushes of the old join are void.
    this.tracker.onDown();
    this.sender.onDown();
    this.setState('joining', this.state.error);
    const port = this.requirePort();
    port.join({ config, refreshToken });
    this.presence = presenceJoining(this.presence, port.joinRef);
    this.view.unsynced();
    this.joinTimer = timers.setTimeout(() => {
      this.joinTimer = undefined;
      this.failed(new ChannelError(`Joining "${this.topic}" got no reply within ${this.runtime.joinTimeoutMs} ms; retrying.`, { code: 'JOIN_TIMED_OUT', topic: this.topic }));
    }, this.runtime.joinTimeoutMs);
  }

  /** Membership lost: pending acks are void, presence is no longer in sync. */
  private down(): void {
    const { timers } = this.runtime;
    timers.clearTimeout(this.joinTimer);
    timers.clearTimeout(this.warnTimer);
    this.joinTimer = this.warnTimer = undefined;
    this.tracker.onDown();
    this.sender.onDown();
    this.view.unsynced();
  }

  private failed(error: LivebindError): void {
    if (this.state.status === 'idle' || this.state.status === 'closed') return;
    this.down();
    this.runtime.timers.clearTimeout(this.rejoinTimer);
    this.rejoinTimer = undefined;
    const attempt = this.state.attempt + 1;
    this.setState('errored', error, attempt);
    if (this.socketDown) return; // rejoins at once when the socket reopens
    const refresh = error.code === 'TOKEN_EXPIRED';
    this.rejoinTimer = this.runtime.timers.setTimeout(() => this.join(refresh), rejoinDelay(attempt - 1, this.runtime.rejoinDelaysMs));
  }

  private rejoin(): void {
    if (this.state.status !== 'closed') return;
    this.tokenKills = 0;
    this.setState('closed', this.state.error, 0);
    this.join(this.state.error?.code === 'TOKEN_EXPIRED');
  }

  private stop(): void {
    const { timers } = this.runtime;
    for (const t of [this.releaseTimer, this.joinTimer, this.rejoinTimer, this.warnTimer]) timers.clearTimeout(t);
    this.releaseTimer = this.joinTimer = this.rejoinTimer = this.warnTimer = undefined;
    if (this.state.status === 'idle') return;
    this.setState('idle', undefined, 0); // first: whatever the port reports while leaving is ignored
    this.port?.leave();
    const left = new ChannelError(`The channel "${this.topic}" was left before this completed.`, { code: 'NOT_JOINED', topic: this.topic });
    this.tracker.onLeft(left);
    this.sender.onLeft(left);
    this.presence = initialPresenceSync<Meta>();
    this.view.reset();
    this.presenceSource.set(this.view.snapshot);
    this.joinedWithPresence = this.joiningWithPresence = false;
    this.tokenKills = 0;
    this.hooks.onIdle(this);
  }

  private onPresence(step: PresenceStep<Meta>): void {
    const buffered = step.sync.pending.length > 0;
    this.presence = step.sync;
    if (!buffered) {
      this.runtime.timers.clearTimeout(this.warnTimer);
      this.warnTimer = undefined;
    } else if (this.warnTimer === undefined) {
      this.warnTimer = this.runtime.timers.setTimeout(() => {
        this.warnTimer = undefined;
        if (this.presence.synced || this.presence.pending.length === 0) return;
        this.runtime.onDiagnostic({
          code: 'PRESENCE_DIFFS_WITHOUT_STATE',
          topic: this.topic,
          message: `channel "${this.topic}": ${this.presence.pending.length} presence diff(s) buffered for ${this.runtime.bufferedDiffWarnMs} ms without a presence state; presence$ stays unsynced. Is presence disabled for this channel on the server?`,
        });
      }, this.runtime.bufferedDiffWarnMs);
    }
    if (step.events.length > 0 || step.sync.synced) this.view.apply(step.sync.state, step.sync.synced, step.events);
  }

  // ---- what the driver reports --------------------------------------------------------------

  private readonly sink: ChannelSink = {
    joined: (joinRef) => {
      if (this.state.status !== 'joining' || joinRef !== this.port?.joinRef) return;
      this.runtime.timers.clearTimeout(this.joinTimer);
      this.joinTimer = undefined;
      this.joinedWithPresence = this.joiningWithPresence;
      if (!this.joinedWithPresence && (this.presenceListeners > 0 || this.tracker.tracking)) return this.join(false);
      this.joinedAt = this.runtime.now();
      this.setState('joined', undefined, 0);
      this.tracker.onJoined();
      this.sender.onJoined();
    },
    joinError: (error) => {
      if (this.state.status === 'joining') this.failed(error);
    },
    errored: (error) => this.failed(error),
    socketClosed: (error) => {
      this.socketDown = true;
      const { status } = this.state;
      if (status === 'idle' || status === 'closed') return;
      this.runtime.timers.clearTimeout(this.rejoinTimer);
      this.rejoinTimer = undefined;
      this.down();
      this.setState('errored', error);
    },
    socketOpened: () => {
      this.socketDown = false;
      if (this.state.status === 'errored') this.join(this.state.error?.code === 'TOKEN_EXPIRED');
    },
    closed: (reason, kill) => {
      const { status } = this.state;
      if (status === 'idle' || status === 'closed') return;
      if (!kill) {
        this.failed(new ChannelError(`The server closed "${this.topic}" (${reason}); rejoining.`, { code: 'CHANNEL_ERROR', topic: this.topic, reason }));
        return;
      }
      this.down();
      this.runtime.timers.clearTimeout(this.rejoinTimer);
      this.rejoinTimer = undefined;
      if (kill.code === 'TOKEN_EXPIRED') {
        this.tokenKills = this.runtime.now() - this.joinedAt >= TOKEN_KILL_RESET_MS ? 1 : this.tokenKills + 1;
        if (this.tokenKills <= MAX_TOKEN_KILLS) {
          // Refresh and rejoin: at once the first time, then on the rejoin backoff.
          this.setState('errored', kill, this.tokenKills);
          const delay = this.tokenKills === 1 ? 0 : rejoinDelay(this.tokenKills - 2, this.runtime.rejoinDelaysMs);
          this.rejoinTimer = this.runtime.timers.setTimeout(() => this.join(true), delay);
          return;
        }
      }
      this.sender.onLeft(kill);
      this.tracker.failWaiters(kill);
      this.setState('closed', kill, 0);
    },
    presenceState: (wire, joinRef) => {
      if (this.joiningWithPresence && this.state.status !== 'idle') this.onPresence(presenceState(this.presence, wire, joinRef));
    },
    presenceDiff: (diff, joinRef) => {
      if (this.joiningWithPresence && this.state.status !== 'idle') this.onPresence(presenceDiff(this.presence, diff, joinRef));
    },
    broadcast: (message) => {
      if (this.state.status === 'idle') return;
      // A driver that froze its fresh message (the Supabase port does) saves a copy per broadcast.
      const frozen = Object.isFrozen(message) ? message : Object.freeze({ ...message });
      this.broadcastSources.get(String(message.event).toLowerCase())?.set(frozen);
      this.broadcastSources.get('*')?.set(frozen);
    },
    system: () => {},
  };
}
