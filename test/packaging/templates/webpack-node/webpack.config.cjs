// The minimal webpack 5 config of a Node bundle (a CLI, a serverless function): ESM output.
module.exports = {
  mode: "production",
  target: "node20",
  entry: "./main.mjs",
  experiments: { outputModule: true },
  output: { path: __dirname + "/dist", filename: "main.mjs", module: true, chunkFormat: "module" },
};
