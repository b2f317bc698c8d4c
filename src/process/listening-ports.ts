import { closeSync, type Dir, opendirSync, openSync, readlinkSync, readSync } from 'node:fs';
import { readDescendants } from '../pid1/process-table.ts';
import { groupMembers } from './process-group.ts';

/** A TCP socket in LISTEN state. */
export interface ListeningSocket {
  /** The address to reach it on: the bound one, or loopback for a wildcard bind. */
  readonly host: string;
  readonly port: number;
  readonly inode: number;
}

const LISTEN = '0A';

/** IPv4 in /proc/net/tcp: 8 hex digits, the address in host byte order (little-endian here). */
function ipv4(hex: string): string {
  const bytes = [6, 4, 2, 0].map((offset) => Number.parseInt(hex.slice(offset, offset + 2), 16));
  return bytes.join('.');
}

/** IPv6 in /proc/net/tcp6: four 32-bit words, each in host byte order. */
function ipv6(hex: string): string {
  const groups: string[] = [];
  for (let word = 0; word < 4; word++) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    const bytes = [6, 4, 2, 0].map((offset) => chunk.slice(offset, offset + 2)).join('');
    groups.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  return groups.map((group) => group.replace(/^0+(?=.)/, '')).join(':').toLowerCase();
}

/**
 * The listening sockets of /proc/net/tcp or /proc/net/tcp6 (`family` says which). Wildcard binds (0.0.0.0, ::)
 * are reached on loopback. Pure; malformed lines are skipped.
 */
export function parseListeningSockets(text: string, family: 4 | 6): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, , state] = [fields[1], fields[2], fields[3]];
    const inode = Number(fields[9]);
    if (local === undefined || state !== LISTEN || !Number.isInteger(inode)) continue;
    const [addressHex, portHex] = local.split(':');
    if (addressHex === undefined || portHex === undefined) continue;
    const address = family === 4 ? ipv4(addressHex) : ipv6(addressHex);
    const wildcard = family === 4 ? address === '0.0.0.0' : /^(0:){7}0$/.test(address);
    sockets.push({ host: wildcard ? (family === 4 ? '127.0.0.1' : '::1') : address, port: Number.parseInt(portHex, 16), inode });
  }
  return sockets;
}

/**
 * How much of /proc/PID/net/tcp(6) is read at most. The kernel lists listening sockets first, then the others:
 * the read stops at the first line that is not LISTEN, so a host with 100,000 connections costs no more.
 */
const MAX_SOCKET_TABLE_BYTES = 256 * 1024;
/** Descriptors looked at (one readlink each) in one look at the group, at most: a group holding 20 × 19,000 fds must not stall supervision. */
export const MAX_DESCRIPTORS_LOOKED_AT = 4096;

/** The leading LISTEN lines of a /proc socket table, read in chunks until a line in another state. */
function readListeningHead(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let text = '';
    while (text.length < MAX_SOCKET_TABLE_BYTES) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      text += chunk.toString('latin1', 0, read);
      // Past the header, a line whose state (the 4th field) is not LISTEN ends the listening sockets.
      const lines = text.split('\n');
      if (lines.slice(1, -1).some((line) => line.trim().split(/\s+/)[3] !== LISTEN)) break;
    }
    // Only whole lines: a read cut short may end inside one.
    return text.slice(0, text.lastIndexOf('\n') + 1);
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

/**
 * Which of `wanted` (socket inodes) the processes `pids` hold open, looking at no more than `budget` descriptors
 * and stopping once all are found.
 */
export function heldSockets(pids: readonly number[], wanted: ReadonlySet<number>, budget: number): Set<number> {
  const held = new Set<number>();
  let looked = 0;
  for (const pid of pids) {
    let directory: Dir;
    try {
      directory = opendirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    try {
      // Entry by entry: a process with 19,000 descriptors is not listed whole when the budget ends early.
      for (let entry = directory.readSync(); entry !== null; entry = directory.readSync()) {
        if (looked++ >= budget || held.size === wanted.size) return held;
        try {
          const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${entry.name}`));
          if (match !== null && wanted.has(Number(match[1]))) held.add(Number(match[1]));
        } catch {
          // Closed meanwhile.
        }
      }
    } catch {
      // The process ended meanwhile.
    } finally {
      directory.closeSync();
    }
  }
  return held;
}

/**
 * The TCP ports the processes of a process group listen on, read from /proc (the group's network namespace is
 * the leader's). Empty when it listens on none, or /proc cannot be read. This look is repeated every few seconds
 * on the supervision thread, so it is bounded: the listening sockets of the namespace first (the head of the socket
 * tables, usually a few lines), none → done; then the group's descriptors, MAX_DESCRIPTORS_LOOKED_AT at most,
 * until every listening socket is placed. The group's members are looked for among podvisor's descendants (the
 * server's session holds no one else), not in the whole process table. A group with more descriptors than that
 * may have a listening socket missed: the fatal-line confirmation then relies on the server's exit alone for it.
 */
export function groupListeningSockets(groupId: number): ListeningSocket[] {
  const listening: ListeningSocket[] = [];
  for (const [file, family] of [['tcp', 4], ['tcp6', 6]] as const) listening.push(...parseListeningSockets(readListeningHead(`/proc/${groupId}/net/${file}`), family));
  if (listening.length === 0) return [];
  const members = groupMembers(groupId, readDescendants()).map((member) => member.pid);
  const held = heldSockets(members, new Set(listening.map((socket) => socket.inode)), MAX_DESCRIPTORS_LOOKED_AT);
  return listening.filter((socket) => held.has(socket.inode));
}
