// The minimal webpack 5 config of a browser app: an entry and production mode, nothing about
// workers or wasm.
module.exports = { mode: "production", entry: "./main.js", output: { path: __dirname + "/dist", filename: "main.js" } };
