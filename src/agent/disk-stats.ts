import { fields, wholeNumber } from './proc-text.js';

/** /proc/diskstats counts sectors of 512 bytes whatever the device's own sector size. */
const SECTOR_BYTES = 512;

export interface DiskCounters {
  readonly reads: number;
  readonly readBytes: number;
  readonly writes: number;
  readonly writtenBytes: number;
  /** Milliseconds during which the device had I/O in flight (its utilisation, summed). */
  readonly ioTimeMs: number;
}

/** Loop devices (snaps, images) and RAM disks are not disks: their I/O is memory traffic. */
export function isVirtualMemoryDevice(name: string): boolean {
  return /^(loop|ram|zram)\d+$/.test(name);
}

/** /proc/diskstats by device name: `8 0 sda reads merged sectors ms writes merged sectors ms ...`. */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    const f = fields(line);
    const name = f[2];
    if (name === undefined) continue;
    const n = (i: number): number | undefined => wholeNumber(f[i]);
    const [reads, sectorsRead, writes, sectorsWritten, ioTimeMs] = [n(3), n(5), n(7), n(9), n(12)];
    if (
      reads === undefined ||
      sectorsRead === undefined ||
      writes === undefined ||
      sectorsWritten === undefined ||
      ioTimeMs === undefined
    )
      continue;
    out.set(name, {
      reads,
      readBytes: sectorsRead * SECTOR_BYTES,
      writes,
      writtenBytes: sectorsWritten * SECTOR_BYTES,
      ioTimeMs,
    });
  }
  return out;
}

export interface MountEntry {
  readonly device: string;
  readonly mountpoint: string;
  readonly fstype: string;
}

/** /proc/mounts (fstab format); spaces and tabs in paths come escaped as \040 and \011. */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, mountpoint, fstype] = fields(line);
    if (device === undefined || mountpoint === undefined || fstype === undefined) continue;
    out.push({ device: unescapeMountField(device), mountpoint: unescapeMountField(mountpoint), fstype });
  }
  return out;
}

function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_whole, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Filesystems that hold no disk space of their own: kernel interfaces (proc, sysfs, cgroup ...),
 * memory (tmpfs, ramfs), container layers (overlay, whose space is the disk below it), read-only
 * images (squashfs snaps) and automounter placeholders.
 */
const PSEUDO_FSTYPES = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fusectl',
  'fuse.lxcfs',
  'fuse.portal',
  'fuse.gvfsd-fuse',
  'hugetlbfs',
  'mqueue',
  'nsfs',
  'overlay',
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
]);

// Kernel and runtime trees, and the places where container runtimes mount their layers and volumes.
const IGNORED_MOUNTPOINTS =
  /^\/(dev|proc|sys|run\/credentials\/.+|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+|var\/lib\/kubelet\/.+)($|\/)/;

/**
 * The mounts whose disk usage is worth reporting: real filesystems, each device once (bind mounts
 * of the same device would repeat the same numbers), first mount wins.
 */
export function reportableMounts(mounts: readonly MountEntry[]): MountEntry[] {
  const seenDevices = new Set<string>();
  const out: MountEntry[] = [];
  for (const mount of mounts) {
    if (PSEUDO_FSTYPES.has(mount.fstype) || IGNORED_MOUNTPOINTS.test(mount.mountpoint)) continue;
    if (seenDevices.has(mount.device)) continue;
    seenDevices.add(mount.device);
    out.push(mount);
  }
  return out;
}

export interface FilesystemUsage {
  readonly sizeBytes: number;
  readonly usedBytes: number;
  /** Space an unprivileged user can still write (reserved blocks excluded), as `df` shows it. */
  readonly availableBytes: number;
  /** used / (used + available), as `df` computes Use%. */
  readonly usedPercent: number;
  readonly inodesTotal: number;
  readonly inodesUsed: number;
}

/** The fields of Node's fs.StatFs that usage needs. */
export interface StatFsLike {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

export function filesystemUsage(stat: StatFsLike): FilesystemUsage | undefined {
  if (stat.blocks <= 0) return undefined;
  const used = (stat.blocks - stat.bfree) * stat.bsize;
  const available = stat.bavail * stat.bsize;
  return {
    sizeBytes: stat.blocks * stat.bsize,
    usedBytes: used,
    availableBytes: available,
    usedPercent: used + available > 0 ? Math.round((10_000 * used) / (used + available)) / 100 : 0,
    inodesTotal: stat.files,
    inodesUsed: Math.max(0, stat.files - stat.ffree),
  };
}
