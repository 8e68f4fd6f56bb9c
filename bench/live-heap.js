// A node process holding about MB megabytes of small live objects, that logs
// the longest event-loop gap it sees (what a pause of the process costs it).
const mb = Number(process.argv[2] || 50);
globalThis.keep = [];
for (let i = 0; i < mb * 1024 * 1024 / 80; i++) globalThis.keep.push({ id: i, tag: 'x' + (i % 1000) });
let last = Date.now(), worst = 0;
setInterval(() => {
  const now = Date.now();
  if (now - last > worst) worst = now - last;
  last = now;
}, 5);
process.on('SIGUSR2', () => { process.stdout.write(`gap ${worst}\n`); worst = 0; });
process.stdout.write('ready\n');
