// The bundled leaking demo: a tiny "session cache" that never evicts. Every
// tick it serves a few requests and remembers a Session for each in a Map held
// by a module-level closure, the classic production leak.
'use strict';
class Session {
  constructor(id) { this.id = id; this.user = 'user' + (id % 97); this.created = Date.now(); }
}
const sessions = new Map();
let next = 0;
function handle() {
  for (let i = 0; i < 40; i++) {
    const s = new Session(next++);
    sessions.set(s.id, s); // never deleted: the leak
  }
}
setInterval(handle, 10);
process.stdout.write('pid ' + process.pid + '\n');
