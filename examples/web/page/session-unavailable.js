// Stands in for src/session.js in a build made before the swarm session exists: the page
// connects, searches and shows everything but cannot play. scripts/build.js uses it only when
// src/session.js is missing.
export class SwarmSession {
  static async open() {
    throw new Error("this build of the page has no swarm session (src/session.js was missing)");
  }
}
