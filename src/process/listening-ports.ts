import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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

/** The socket inodes a process holds open. */
function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null) inodes.add(Number(match[1]));
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

/**
 * The TCP ports the processes of a process group listen on, read from /proc (the group's network namespace is
 * the leader's). Empty when it listens on none, or /proc cannot be read. The group's members are looked for among
 * podvisor's descendants (the server's session holds no one else: podvisor is PID 1 or the subreaper of every
 * orphan of it), not in the whole process table: this look is repeated every few seconds on the supervision thread.
 */
export function groupListeningSockets(groupId: number): ListeningSocket[] {
  const inodes = new Set<number>();
  for (const member of groupMembers(groupId, readDescendants())) for (const inode of socketInodes(member.pid)) inodes.add(inode);
  if (inodes.size === 0) return [];
  const sockets: ListeningSocket[] = [];
  for (const [file, family] of [['tcp', 4], ['tcp6', 6]] as const) {
    try {
      sockets.push(...parseListeningSockets(readFileSync(`/proc/${groupId}/net/${file}`, 'latin1'), family).filter((socket) => inodes.has(socket.inode)));
    } catch {
      // No IPv6, or the leader is gone.
    }
  }
  return sockets;
}
