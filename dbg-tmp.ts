import { copyGguf } from "./src/sidecar/gguf/copy";
import { meta } from "./src/sidecar/gguf/metadata";
import { IsolatedHelper } from "./src/sidecar/isolate/helper";
const T: Record<string, string> = {
  loop: "{% for i in range(100000000) %}{% for j in range(100000000) %}{% endfor %}{% endfor %}x",
  grow: "{% set x = 'ab' %}{% for i in range(64) %}{% set x = x + x %}{% endfor %}{{ x }}",
  recurse: "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}",
  bigarray: "{% for i in range(4000000000) %}{% endfor %}",
  manylines: "{% for m in messages %}{% for i in range(10000000) %}{{ m['content'] }}{% endfor %}{% endfor %}",
};
void (async () => {
  const h = new IsolatedHelper({ log: (l) => console.log("LOG", l) });
  for (const [name, tpl] of Object.entries(T)) {
    const out = `/tmp/probe-exp/t-${name}.gguf`;
    await copyGguf({ input: "/tmp/probe-exp/b.gguf", out, editMetadata: (m) => (m.set("tokenizer.chat_template", meta.str(tpl)), m) });
    const t = Date.now();
    try { const r = await h.request({ kind: "chat", path: out, bosString: null, messages: [{ role: "user", content: "hi" }], maxChars: 1 << 20 }, 8000); console.log(name, "OK", JSON.stringify(r).slice(0, 100)); } catch (e) { console.log(name, "ERR", (e as Error).message); }
    console.log(name, "ms", Date.now() - t);
  }
  await h.dispose();
})();
