// Reads a JSON array of LogQL strings on stdin; prints a JSON array with,
// for each, null when Grafana's LogQL grammar parses it without error, or
// the offset and text around the first error.
import { parser } from "@grafana/lezer-logql";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const queries = JSON.parse(input);
  const out = queries.map((q) => {
    const tree = parser.parse(q);
    let bad = null;
    tree.iterate({
      enter(node) {
        if (bad === null && node.type.isError) bad = node.from;
      },
    });
    return bad === null ? null : { offset: bad, near: q.slice(Math.max(0, bad - 30), bad + 30) };
  });
  process.stdout.write(JSON.stringify(out));
});
