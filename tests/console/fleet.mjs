// A real photon-coordinator (the built binary, SQLite in a temporary directory, 127.0.0.1 on a
// port of its choosing) and a fleet of simulated machines: each phones home as the boot ISO
// would and reports itself installed as its agent would, so that it is an active node; a
// simulated agent answers a deployment the way the nixos domain does.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ADMIN_TOKEN = 'console-test-admin-token-0123456789';
const BOOTSTRAP_TOKEN = 'console-test-bootstrap-token-0123456789';
export const HOSTILE = '<img src=x onerror=alert(1)>';

export const sleep = (ms) => new Promise((ok) => { setTimeout(ok, ms); });

export function storePath(name) {
  return `/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-${name}`;
}

export class Coordinator {
  constructor(buildDir) {
    this.binary = join(buildDir, 'coordinator', 'photon-coordinator');
    if (!existsSync(this.binary)) throw new Error(`no coordinator at ${this.binary}: build it first`);
    this.dir = mkdtempSync(join(tmpdir(), 'photon-test-console-'));
  }

  async start() {
    writeFileSync(join(this.dir, 'admin'), ADMIN_TOKEN, { mode: 0o600 });
    writeFileSync(join(this.dir, 'boot'), BOOTSTRAP_TOKEN, { mode: 0o600 });
    const portFile = join(this.dir, 'port');
    this.log = join(this.dir, 'coordinator.log');
    const out = openSync(this.log, 'a');
    // setpriv --pdeathsig: the coordinator dies with this test even when the test is killed
    // (ctest's timeout) and cannot stop it itself.
    const pdeath = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--'] : [];
    const argv = [...pdeath, this.binary];
    this.child = spawn(argv[0], [...argv.slice(1), '--listen', '127.0.0.1:0', '--port-file', portFile,
      '--admin-token-file', join(this.dir, 'admin'), '--bootstrap-token-file', join(this.dir, 'boot'),
      '--data-dir', join(this.dir, 'data'), '--max-discovered', '0', '--log-level', 'notice'],
    { stdio: ['ignore', out, out] });
    for (let i = 0; i < 200; i += 1) {
      if (existsSync(portFile) && readFileSync(portFile, 'utf8').trim()) {
        this.port = Number(readFileSync(portFile, 'utf8').trim());
        this.url = `http://127.0.0.1:${this.port}`;
        return this;
      }
      if (this.child.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`the coordinator did not start; its log:\n${this.logText()}`);
  }

  logText() {
    try { return readFileSync(this.log, 'utf8').slice(-4000); } catch { return ''; }
  }

  stop() {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGTERM');
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async call(method, path, body, token = ADMIN_TOKEN) {
    const res = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { json = null; }
    return { status: res.status, body: json, text, headers: res.headers };
  }

  async must(method, path, body, token) {
    const r = await this.call(method, path, body, token);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  }

  // A cluster whose one pool holds 60,000 addresses and whose rule takes every machine to
  // install (then active once it reports installed). node_ttl_s is long: no simulated agent
  // polls, and none should turn missing during the test.
  async applyCluster() {
    await this.must('PUT', '/api/v1/cluster', {
      name: 'console',
      classes: [{ name: 'compute' }, { name: 'storage' }],
      pools: [{ name: 'web', cidr: '10.0.0.0/16', range_start: '10.0.0.10', range_end: '10.0.255.250',
        gateway: '10.0.0.1', hostname_pattern: 'web-{index}', disk_layout: 'single-ssd',
        profile: storePath('nixos-system-web') }],
      rules: [
        { name: 'storage', priority: 20, match: { min_disks: 2 }, class: 'storage', pool: 'web', auto_install: true },
        { name: 'all', priority: 10, match: { min_cores: 1 }, class: 'compute', pool: 'web', auto_install: true },
      ],
      settings: { commission_deadline_s: 600, install_deadline_s: 600, drain_deadline_s: 30, node_ttl_s: 86400 },
    });
  }

  static machine(n) {
    const hex = (n + 1).toString(16).padStart(32, '0');
    const mac = `52:54:00:${((n >> 16) & 0xff).toString(16).padStart(2, '0')}:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
    const disks = [{ name: 'vda', size_bytes: 100 * 2 ** 30, rotational: false, model: 'Test SSD', serial: `D-${n}` }];
    if (n % 7 === 0) disks.push({ name: 'vdb', size_bytes: 4000 * 2 ** 30, rotational: true, model: 'Test HDD', serial: `E-${n}` });
    return {
      machine_id: hex,
      hostname: `boot-${n}`,
      facts: {
        cpu: { model: 'Test CPU', cores: 4 + (n % 4) * 4, threads: 8 + (n % 4) * 8, virtualization: true },
        memory_bytes: (16 + (n % 3) * 16) * 2 ** 30,
        disks,
        nics: [{ name: 'eth0', mac, link_up: true, speed_mbps: 10000, driver: 'virtio_net', addresses: [] }],
        dmi: { vendor: 'QEMU', product: 'Standard PC', serial: `SER-${n}` },
      },
      labels: { rack: `r${n % 10}` },
    };
  }

  // Enrols machines first..first+count-1 (`hostile` among them with a DMI vendor that is HTML),
  // `parallel` at a time, each to active. Returns [{id, token, n}].
  async enrol(count, { parallel = 24, hostile = -1 } = {}) {
    const out = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const n = next;
        next += 1;
        const m = Coordinator.machine(n);
        if (n === hostile) {
          m.facts.dmi.vendor = HOSTILE;
          m.facts.dmi.product = '"><svg onload=alert(2)>';
        }
        const r = await this.call('POST', '/api/v1/phone-home', m, BOOTSTRAP_TOKEN);
        if (r.status !== 200) throw new Error(`phone-home ${n}: ${r.status} ${r.text}`);
        const node = { id: r.body.node_id, token: r.body.token, n };
        await this.must('PUT', `/api/v1/nodes/${node.id}/observed`, { install: { phase: 'installed' } }, node.token);
        out[n] = node;
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return out;
  }
}

// Simulated agents for a deployment: each node reads its desired "system" section and, once
// it is this deployment's, reports it applied after `delayMs` (as the nixos domain would after
// a switch and its health checks). Runs until stop().
export function simulateAgents(coordinator, nodes, { delayMs = 400 } = {}) {
  let running = true;
  const done = new Set();
  const loop = async () => {
    while (running) {
      for (const node of nodes) {
        if (!running) break;
        const desired = await coordinator.call('GET', `/api/v1/nodes/${node.id}/desired`, undefined, node.token);
        const system = desired.body && desired.body.system;
        if (!system || !system.deployment) continue;
        const key = `${system.deployment}:${system.system}`;
        if (done.has(`${node.id}/${key}`)) continue;
        await sleep(delayMs);
        await coordinator.must('PUT', `/api/v1/nodes/${node.id}/observed`, {
          agent_version: 'console-test',
          domains: { system: { outcome: 'applied', system: system.system, deployment: system.deployment,
            previous_system: storePath('nixos-system-web'), reason: '', generation: 2 } },
        }, node.token);
        done.add(`${node.id}/${key}`);
      }
      await sleep(100);
    }
  };
  const finished = loop();
  return { stop: async () => { running = false; await finished; } };
}
