/**
 * Phoenix refs (spec §2.1): opaque strings from one counter. The counter belongs to a driver and is
 * never reset, so a ref names one request for the client's whole life: a join ref of a previous
 * socket can never equal a newer one (the channel layer compares join refs to drop stale presence
 * and replies). What is per socket is the table of pending replies (PendingReplies), dropped with
 * the socket, so a late reply or a stale heartbeat ref cannot touch the next socket (§7 #12).
 */
export class RefCounter {
  private last = 0;

  next(): string {
    this.last += 1;
    return String(this.last);
  }
}
