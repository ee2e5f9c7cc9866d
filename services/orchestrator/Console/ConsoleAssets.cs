namespace K8sAgentPlatform.Orchestrator.Console;

/// <summary>The console's only stylesheet and script, served by the platform itself (it works air-gapped; the CSP allows nothing else).</summary>
internal static class ConsoleAssets
{
    public const string Css = """
        :root { color-scheme: light; --ink: #1b1f24; --muted: #4a5560; --line: #c9d1d9; --accent: #0b57d0; --bad: #a4161a; --good: #1b6e3a; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: #fff; }
        header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; margin: 0; }
        nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, textarea:focus, main:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .25rem .5rem; }
        main { padding: 1rem; max-width: 72rem; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
        th, td { text-align: left; border-bottom: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        .facts dt { font-weight: 600; color: var(--muted); }
        .facts dd { margin: 0; }
        .stack { display: flex; flex-direction: column; gap: .4rem; max-width: 32rem; margin: .5rem 0; }
        .inline { display: inline-flex; gap: .5rem; align-items: center; margin: .25rem .5rem .25rem 0; }
        .who { margin-left: auto; }
        button { font: inherit; padding: .3rem .9rem; border: 1px solid var(--ink); border-radius: 4px; background: #f4f6f8; color: var(--ink); cursor: pointer; }
        button.confirm { background: var(--good); color: #fff; border-color: var(--good); }
        button.reject { background: var(--bad); color: #fff; border-color: var(--bad); }
        input, select, textarea { font: inherit; padding: .3rem; border: 1px solid var(--muted); border-radius: 4px; }
        .error { border-left: 4px solid var(--bad); padding: .5rem .75rem; background: #fdecea; }
        .notice { border-left: 4px solid var(--good); padding: .5rem .75rem; background: #e8f5ec; }
        .stopped { margin: 0; padding: .5rem 1rem; background: #fdecea; border-bottom: 2px solid var(--bad); font-weight: 600; }
        .operation { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; margin: .5rem 0; }
        .diff del { background: #fdecea; color: var(--bad); }
        .diff ins { background: #e8f5ec; color: var(--good); text-decoration: none; }
        code, .diff { font-family: ui-monospace, monospace; }
        """;

    public const string Script = """
        (() => {
          const main = document.getElementById('main');
          if (!main || !main.dataset.live || !window.EventSource) return;
          const editing = () => {
            const active = document.activeElement;
            return active && main.contains(active) && ['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName);
          };
          let busy = false;
          let again = false;
          const refresh = async () => {
            // A change while a fetch is under way may have missed that fetch: fetch once more after it, never drop it.
            if (busy) { again = true; return; }
            if (editing()) return;
            busy = true;
            try {
              do {
                again = false;
                const response = await fetch(location.href, { headers: { 'X-Console-Partial': '1' }, credentials: 'same-origin' });
                if (response.ok) main.innerHTML = await response.text();
              } while (again && !editing());
            } finally {
              busy = false;
            }
          };
          const source = new EventSource(main.dataset.live);
          source.addEventListener('changed', refresh);
          // The stream compares with what it saw when it (re)connected, not with what this page shows: a change between
          // the page's rendering and the stream's start (or during a reconnect) sends no event, so look once on open.
          source.addEventListener('open', async () => {
            await refresh();
            main.dataset.liveState = 'live';
          });
          source.addEventListener('error', () => { main.dataset.liveState = 'reconnecting'; });
        })();
        """;
}
