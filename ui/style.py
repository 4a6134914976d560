"""The app's look (CSS) and the few lines of browser script the HTML panels need.

Fonts come from Gradio's own bundled files, so the page works with no internet.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

# Click handlers delegated to the panel's root element: it survives every re-render of the
# HTML inside it, so listeners are attached once. `trigger` sends a named event to Python.
TRANSCRIPT_JS = """
element.addEventListener('click', (e) => {
  const chip = e.target.closest('button.nr-chip');
  if (!chip || !element.contains(chip)) return;
  element.querySelectorAll('.nr-chip.selected').forEach((c) => c.classList.remove('selected'));
  chip.classList.add('selected');
  trigger('cite', {turn: Number(chip.dataset.turn), n: Number(chip.dataset.n)});
});

// The chip's hover preview: one floating box, filled with textContent (article text is
// untrusted) and placed with fixed coordinates, so the scroll box cannot clip it.
const tip = document.createElement('div');
tip.className = 'nr-tooltip';
tip.setAttribute('role', 'tooltip');
tip.hidden = true;
// Inside Gradio's container: the app's CSS is scoped to it.
(document.querySelector('.gradio-container') || document.body).appendChild(tip);
const line = (css, text) => {
  const div = document.createElement('div');
  div.className = css;
  div.textContent = text;
  return div;
};
const showTip = (chip) => {
  if (!chip.dataset.quote) return;
  tip.replaceChildren(line('nr-tip-meta', chip.dataset.meta),
    line('nr-tip-title', chip.dataset.title), line('nr-tip-quote', '“' + chip.dataset.quote + '”'));
  tip.hidden = false;
  const r = chip.getBoundingClientRect();
  const width = Math.min(360, window.innerWidth - 16);
  tip.style.width = width + 'px';
  tip.style.left = Math.max(8, Math.min(r.left, window.innerWidth - width - 8)) + 'px';
  const below = r.bottom + 6;
  const h = tip.offsetHeight;
  tip.style.top = (below + h < window.innerHeight ? below : Math.max(8, r.top - h - 6)) + 'px';
};
const hideTip = () => { tip.hidden = true; };
for (const [on, off] of [['mouseover', 'mouseout'], ['focusin', 'focusout']]) {
  element.addEventListener(on, (e) => {
    const chip = e.target.closest && e.target.closest('button.nr-chip');
    if (chip && element.contains(chip)) showTip(chip);
  });
  element.addEventListener(off, (e) => {
    if (e.target.closest && e.target.closest('button.nr-chip')) hideTip();
  });
}
element.addEventListener('scroll', hideTip, true);

// After every re-render: show the newest exchange inside the transcript's own scroll box
// (its top when it is taller than the box, so the lead answer and its chips are in view),
// keep the question box on screen, and give it the focus once the answer is in.
window.nrFocusQuestion = (tries = 50) => {
  const q = document.querySelector('#nr-question textarea');
  if (!q) return;
  const r = q.getBoundingClientRect();
  if (r.bottom > window.innerHeight || r.top < 0) q.scrollIntoView({block: 'nearest'});
  // On a touch screen, focusing would pop the keyboard over the answer just given.
  if (window.matchMedia('(pointer: coarse)').matches) return;
  if (document.querySelector('#nr-transcript .nr-pending')) return;
  if (document.querySelector('#nr-side.nr-open')) return;  // the drawer is in front
  const busy = document.activeElement;
  if (busy && busy !== q && busy.matches('input, textarea')) return;  // typing elsewhere
  if (q.disabled) {  // the answer's last update re-enables it a moment later
    if (tries > 0) setTimeout(() => window.nrFocusQuestion(tries - 1), 100);
    return;
  }
  q.focus({preventScroll: true});
};
const settle = () => {
  const box = element.querySelector('.nr-scroll');
  if (!box) return;
  const turns = box.querySelectorAll('section.nr-turn');
  const last = turns[turns.length - 1];
  if (last) {
    const top = last.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    box.scrollTop = last.offsetHeight <= box.clientHeight ? box.scrollHeight : top - 6;
  }
  window.nrFocusQuestion();
  setTimeout(() => window.nrFocusQuestion(0), 400);  // after the other panels re-render
};
watch('value', () => requestAnimationFrame(settle));
requestAnimationFrame(settle);
"""
# Run after an answer, a new session, an opened or deleted session: the question box.
FOCUS_JS = "() => { if (window.nrFocusQuestion) window.nrFocusQuestion(); }"
# The phone layout's sessions drawer.
DRAWER_JS = """
element.addEventListener('click', (e) => {
  const side = document.getElementById('nr-side');
  if (side && e.target.closest('.nr-drawer-btn')) side.classList.toggle('nr-open');
});
"""
CLOSE_DRAWER_JS = "() => { document.getElementById('nr-side')?.classList.remove('nr-open'); }"
SESSIONS_JS = """
element.addEventListener('click', (e) => {
  const item = e.target.closest('button.nr-session');
  if (!item || !element.contains(item)) return;
  document.getElementById('nr-side')?.classList.remove('nr-open');
  trigger('open', {id: item.dataset.id});
});
"""
BOARD_JS = """
element.addEventListener('click', (e) => {
  const btn = e.target.closest('button.nr-unpin');
  if (btn && element.contains(btn)) trigger('unpin', {pin: btn.dataset.pin});
});
"""
# A long passage scrolls inside its box; bring the highlighted quote into view.
# On a phone the panel sits below the conversation: bring it into view when it fills in.
PASSAGE_JS = """
watch('value', () => requestAnimationFrame(() => {
  const box = element.querySelector('.nr-context');
  const mark = box && box.querySelector('mark');
  if (mark) box.scrollTop = Math.max(0, mark.offsetTop - box.offsetTop - 24);
  if (mark && window.innerWidth < 760) element.scrollIntoView({block: 'start', behavior: 'smooth'});
}));
"""


def theme() -> Any:
    """A calm, legible theme using only fonts that ship with Gradio."""
    # Gradio's bundled IBM Plex Sans SemiBold lacks most Latin glyphs (they fall back to
    # another font mid-word), so bold text uses the complete Bold face instead.
    plex = gr.themes.LocalFont("IBM Plex Sans", weights=(400, 700))
    return gr.themes.Default(
        primary_hue="blue",
        neutral_hue="slate",
        radius_size="md",
        font=(plex, "ui-sans-serif", "system-ui", "sans-serif"),
        font_mono=(gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"),
    )


CSS = """
#nr-header { display: flex; align-items: baseline; gap: 0.75rem; padding: 0.25rem 0.25rem 0; }
#nr-header h1 { font-size: 1.35rem; font-weight: 600; margin: 0; }
#nr-header span { color: var(--body-text-color-subdued); font-size: 0.9rem; }
.nr-side-h { font-size: 0.75rem; font-weight: 600; letter-spacing: 0.06em;
  text-transform: uppercase; color: var(--body-text-color-subdued); margin: 0.4rem 0 0.2rem; }

/* sessions sidebar */
.nr-sessions { list-style: none; margin: 0; padding: 0; max-height: 62vh; overflow-y: auto; }
.nr-sessions li { margin: 0 0 2px; }
.nr-session { display: block; width: 100%; text-align: left; background: transparent;
  border: 0; border-left: 3px solid transparent; border-radius: 6px; padding: 0.45rem 0.6rem;
  cursor: pointer; color: inherit; font: inherit; }
.nr-session:hover { background: var(--neutral-100); }
.nr-session.active { background: var(--primary-50); border-left-color: var(--primary-600); }
.nr-session-t { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
  overflow: hidden; font-size: 0.92rem; line-height: 1.3; }
.nr-session-m { display: block; font-size: 0.75rem; color: var(--body-text-color-subdued);
  margin-top: 2px; }
.nr-sessions-empty, .nr-board-empty { color: var(--body-text-color-subdued);
  font-size: 0.85rem; padding: 0.4rem 0.2rem; }

/* conversation */
#nr-title textarea { font-size: 1.1rem !important; font-weight: 600; border-color: transparent;
  box-shadow: none; background: transparent; padding-left: 0.3rem; }
#nr-title textarea:hover, #nr-title textarea:focus { border-color: var(--border-color-primary);
  background: var(--background-fill-primary); }
#nr-toolbar { gap: 0.5rem; margin-top: -0.4rem; }
.nr-action, .nr-action button, button.nr-action { font-size: 0.8rem !important;
  padding: 0.3rem 0.7rem !important; min-height: 0 !important; font-weight: 400 !important;
  background: var(--background-fill-primary) !important; color: var(--body-text-color) !important;
  border: 1px solid var(--border-color-primary) !important; box-shadow: none !important; }
.nr-action:hover, button.nr-action:hover { background: var(--neutral-100) !important; }
.nr-action:disabled, button.nr-action:disabled { opacity: 0.5; }
#nr-upload-note { font-size: 0.8rem; color: var(--body-text-color-subdued); }
#nr-articles { --font-mono: var(--font); }
/* The transcript scrolls in its own box: .nr-scroll is our element, so Gradio's inline
   styles on #nr-transcript (overflow: visible) cannot undo it. Its height leaves room for
   the header, tabs, title, toolbar and the question box, which stays on screen. */
.nr-scroll { height: calc(100vh - var(--nr-chrome, 345px)); min-height: 220px; overflow-y: auto;
  overscroll-behavior: contain; position: relative; padding: 0 0.5rem 0 0.25rem;
  border: 1px solid var(--border-color-primary); border-radius: 8px; }
.nr-transcript { font-size: 1rem; line-height: 1.6; }
#nr-ask-row { flex-wrap: nowrap !important; }
#nr-ask-row #nr-ask { min-width: 72px !important; }
#nr-corpus-line .nr-corpus-line { font-size: 0.8rem; color: var(--body-text-color-subdued);
  padding: 0 0.1rem; }
.nr-welcome { color: var(--body-text-color-subdued); padding: 3rem 1.5rem; text-align: center;
  max-width: 34rem; margin: 0 auto; }
.nr-turn { padding: 0.9rem 0.2rem 1rem; border-bottom: 1px solid var(--border-color-primary); }
.nr-turn:last-child { border-bottom: 0; }
.nr-q .nr-qt, .nr-qlong summary { font-weight: 600; margin: 0 0 0.35rem; font-size: 1.03rem;
  overflow-wrap: anywhere; }
.nr-q p.nr-qt::before, .nr-qlong summary::before { content: 'Q'; display: inline-block;
  font-size: 0.7rem; font-weight: 700; color: white; background: var(--neutral-500);
  border-radius: 4px; padding: 0 0.35rem; margin-right: 0.5rem; vertical-align: 0.15em; }
.nr-qlong summary { list-style: none; cursor: pointer; font-weight: 400; }
.nr-qlong summary::-webkit-details-marker { display: none; }
.nr-qlong .nr-qt { font-weight: 400; font-size: 0.95rem; }
.nr-qlong .nr-more { display: block; font-size: 0.78rem; color: var(--primary-600);
  margin-top: 0.1rem; }
.nr-qlong[open] .nr-more { display: none; }
.nr-qlong > p { font-size: 0.88rem; white-space: pre-wrap; max-height: 14rem; overflow-y: auto;
  margin: 0 0 0.4rem; padding: 0.4rem 0.6rem; background: var(--neutral-50); border-radius: 6px;
  overflow-wrap: anywhere; }
.nr-ftag { display: inline-block; margin-left: 0.5rem; padding: 0 0.45rem; font-size: 0.72rem;
  font-weight: 600; border-radius: 999px; background: #ecfdf5; color: #065f46;
  border: 1px solid #a7f3d0; vertical-align: 0.15em; white-space: nowrap; }
.nr-understood { font-size: 0.82rem; color: var(--body-text-color-subdued);
  margin: -0.2rem 0 0.4rem; }
.nr-answer { margin: 0; }
.nr-s + .nr-s::before { content: ' '; }
.nr-lead { font-size: 1.12rem; line-height: 1.55; padding: 0.35rem 0.7rem;
  border-left: 4px solid var(--primary-500); background: var(--primary-50);
  border-radius: 0 6px 6px 0; color: #0f172a; }
.nr-supports { list-style: none; margin: 0.5rem 0 0; padding: 0 0 0 0.9rem; font-size: 0.95rem;
  color: #334155; }
.nr-supports li { margin: 0.25rem 0; position: relative; }
.nr-supports li::before { content: '›'; position: absolute; left: -0.8rem;
  color: var(--body-text-color-subdued); }
p.nr-supports { padding-left: 0.9rem; }
/* The check is drawn, not a glyph: at badge size a font's ✓ (or its fallback's) reads as a "v". */
.nr-ok { display: inline-block; position: relative; width: 1.05em; height: 1.05em;
  margin-left: 0.3em; border-radius: 50%; background: #047857; cursor: help;
  vertical-align: -0.12em; }
.nr-ok::after { content: ''; position: absolute; left: 0.36em; top: 0.18em; width: 0.26em;
  height: 0.5em; border: solid white; border-width: 0 0.13em 0.13em 0; transform: rotate(45deg); }
.nr-tail { white-space: nowrap; }
.nr-chip { display: inline-block; min-width: 1.45em; padding: 0 0.4em; margin: 0 0.1em 0 0.25em;
  font: 600 0.72rem/1.45 var(--font); text-align: center; vertical-align: 0.2em;
  color: var(--primary-700); background: var(--primary-50); border: 1px solid var(--primary-200);
  border-radius: 999px; cursor: pointer; }
button.nr-chip:hover, .nr-chip.selected { color: white; background: var(--primary-600);
  border-color: var(--primary-600); }
.nr-chip.inert, .nr-chip.static { cursor: default; }
.nr-partial { text-decoration: underline dotted #d97706 2px; text-underline-offset: 4px; }
.nr-unsupported { text-decoration: underline wavy #dc2626 1px; text-underline-offset: 4px; }
.nr-flag { display: inline-block; margin-left: 0.35em; padding: 0 0.4em; font-size: 0.7rem;
  font-weight: 600; border-radius: 4px; vertical-align: 0.15em; cursor: help; }
.nr-partial .nr-flag { background: #fef3c7; color: #92400e; }
.nr-unsupported .nr-flag { background: #fee2e2; color: #991b1b; }
.nr-working { color: var(--body-text-color-subdued); font-style: italic; margin: 0.4rem 0 0;
  font-size: 0.88rem; }
.nr-working::before { content: ''; display: inline-block; width: 0.55rem; height: 0.55rem;
  margin-right: 0.45rem; border-radius: 50%; background: var(--primary-500);
  animation: nr-pulse 1s ease-in-out infinite; }
@keyframes nr-pulse { 50% { opacity: 0.25; } }
.nr-streaming .nr-answer:last-of-type::after { content: '▍'; color: var(--primary-500);
  margin-left: 2px; }
.nr-abstain { border-left: 4px solid var(--neutral-400); background: var(--neutral-50);
  padding: 0.55rem 0.8rem; border-radius: 0 6px 6px 0; }
.nr-abstain[data-code='filtered_out'] { border-left-color: #d97706; background: #fffbeb; }
.nr-abstain-h { display: flex; gap: 0.5rem; align-items: center; }
.nr-abstain p { margin: 0.2rem 0 0; }
.nr-tag { font-size: 0.72rem; padding: 0 0.45rem; border-radius: 4px;
  background: var(--neutral-200); color: var(--neutral-700); }
.nr-error { border-left: 4px solid #dc2626; background: #fef2f2; color: #7f1d1d;
  padding: 0.55rem 0.8rem; border-radius: 0 6px 6px 0; }
.nr-sources { margin-top: 0.6rem; }
.nr-sources h4 { font-size: 0.7rem; font-weight: 600; letter-spacing: 0.06em; margin: 0 0 0.2rem;
  text-transform: uppercase; color: var(--body-text-color-subdued); }
.nr-sources ul { list-style: none; margin: 0; padding: 0; font-size: 0.86rem; line-height: 1.5; }
.nr-sources li { margin: 0.1rem 0; }
.nr-sources .nr-chip { margin-left: 0; margin-right: 0.3em; }
.nr-also { margin-top: 0.5rem; font-size: 0.84rem; }
.nr-also summary { cursor: pointer; color: var(--body-text-color-subdued); font-size: 0.78rem;
  font-weight: 600; letter-spacing: 0.02em; }
.nr-also ol { margin: 0.3rem 0 0; padding-left: 1.2rem; }
.nr-also li { margin: 0.35rem 0; }
.nr-score { font: 600 0.72rem var(--font-mono); color: var(--neutral-600);
  background: var(--neutral-100); border-radius: 4px; padding: 0 0.3rem; }
.nr-snippet { color: #475569; font-size: 0.8rem; line-height: 1.45; }
.nr-tooltip { position: fixed; z-index: 10000; background: #0f172a; color: #f8fafc;
  border-radius: 8px; padding: 0.5rem 0.65rem; font-size: 0.8rem; line-height: 1.45;
  box-shadow: 0 6px 24px rgba(15, 23, 42, 0.25); pointer-events: none; }
.nr-tooltip[hidden] { display: none; }
.nr-tip-meta { font-weight: 700; color: #93c5fd; }
.nr-tip-title { font-weight: 600; margin: 0.1rem 0 0.25rem; }
.nr-tip-quote { color: #e2e8f0; font-style: italic; }
.nr-meta { color: var(--body-text-color-subdued); font-size: 0.82rem; }
a.nr-title { color: var(--body-text-color); text-decoration: underline;
  text-decoration-color: var(--neutral-300); text-underline-offset: 2px; }
a.nr-title:hover { text-decoration-color: currentColor; }

/* who says what, and when (ui/news.py) */
.nr-conflict { margin: 0.7rem 0 0.4rem; border: 1px solid #fcd34d; border-radius: 8px;
  background: #fffbeb; padding: 0.5rem 0.65rem; overflow-x: auto; }
.nr-conflict-h { font-size: 0.88rem; color: #92400e; margin-bottom: 0.35rem; }
.nr-conflict table { width: 100%; border-collapse: collapse; font-size: 0.84rem;
  border: none !important; margin: 0; }
.nr-conflict thead, .nr-conflict tbody, .nr-conflict tr, .nr-conflict th, .nr-conflict td {
  border: none !important; background: transparent !important; }
.nr-conflict th { text-align: left; font-weight: 600; color: #78350f; font-size: 0.75rem;
  text-transform: uppercase; letter-spacing: 0.03em; padding: 0.2rem 0.4rem; }
.nr-conflict td { vertical-align: top; padding: 0.3rem 0.4rem;
  border-top: 1px solid #fde68a !important; }
.nr-conflict .nr-cv { font-weight: 700; white-space: nowrap; color: #111827; }
.nr-conflict .nr-cs { white-space: nowrap; color: #475569; }
.nr-conflict .nr-cq { color: #334155; font-style: italic; }
.nr-backing { list-style: none; margin: 0.4rem 0 0; padding: 0; font-size: 0.84rem; }
.nr-backing li { margin: 0.15rem 0; }
.nr-backing-n { display: inline-block; min-width: 1.3rem; text-align: center; font-weight: 700;
  background: #dcfce7; color: #166534; border-radius: 999px; padding: 0 0.35rem; }
time.nr-date { text-decoration: underline dotted #64748b; text-underline-offset: 3px;
  cursor: help; }

/* timeline tab */
#nr-tl-view { max-width: 980px; }
.nr-tl-head { font-size: 0.9rem; color: var(--body-text-color-subdued); margin: 0.2rem 0 0.6rem; }
.nr-tl-empty { color: var(--body-text-color-subdued); padding: 1rem 0; }
ol.nr-tl { list-style: none; margin: 0; padding: 0 0 0 0.2rem; position: relative; }
ol.nr-tl::before { content: ""; position: absolute; left: 10.55rem; top: 0.4rem; bottom: 0.4rem;
  width: 2px; background: #cbd5e1; }
.nr-tl-item { position: relative; display: grid; grid-template-columns: 10rem 1fr;
  gap: 1.2rem; padding: 0 0 1rem; }
.nr-tl-dot { position: absolute; left: 10.2rem; top: 0.45rem; width: 0.8rem; height: 0.8rem;
  border-radius: 50%; background: #2563eb; border: 2px solid #fff; box-shadow: 0 0 0 1px #2563eb; }
.nr-tl-when { text-align: right; padding-top: 0.2rem; }
.nr-tl-when time { display: block; font-weight: 700; font-size: 0.95rem; color: #0f172a; }
.nr-tl-how { display: block; font-size: 0.75rem; color: #64748b; line-height: 1.3; }
.nr-tl-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  background: var(--background-fill-primary); padding: 0.5rem 0.75rem; margin-left: 0.6rem; }
.nr-tl-src { font-size: 0.82rem; color: #475569; }
.nr-tl-quote { margin: 0.3rem 0 0.2rem; font-size: 0.93rem; line-height: 1.5; color: #1e293b; }
.nr-tl-also { font-size: 0.78rem; color: #166534; }
.nr-tl-passage summary { cursor: pointer; font-size: 0.8rem; color: #2563eb; margin-top: 0.2rem; }
.nr-tl-passage .nr-context { max-height: 16rem; margin-top: 0.35rem; }
@media (max-width: 760px) {
  ol.nr-tl::before { left: 0.35rem; }
  .nr-tl-item { grid-template-columns: 1fr; gap: 0.2rem; padding-left: 1.3rem; }
  .nr-tl-dot { left: 0; }
  .nr-tl-when { text-align: left; }
  .nr-tl-card { margin-left: 0; }
}

/* passage and evidence board */
#nr-passage { min-height: 8rem; }
.nr-passage { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 0.75rem 0.9rem; background: var(--background-fill-primary); }
.nr-placeholder p { color: var(--body-text-color-subdued); font-size: 0.88rem; margin: 0; }
.nr-passage-h { display: flex; gap: 0.5rem; align-items: flex-start; }
.nr-passage-h .nr-chip { margin: 0.2rem 0 0; flex: none; }
.nr-passage h3 { font-size: 1rem; line-height: 1.35; margin: 0; font-weight: 600; }
.nr-passage .nr-meta { margin: 0.25rem 0 0.55rem; }
.nr-context { font-size: 0.95rem; line-height: 1.65;
  white-space: pre-wrap; margin: 0; padding: 0.1rem 0 0.1rem 0.8rem;
  border-left: 3px solid var(--neutral-200); max-height: 22vh; overflow-y: auto; color: #334155; }
.nr-context mark { background: #fde68a; color: #111827; padding: 0.05em 0.1em;
  border-radius: 2px; box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.nr-note { font-size: 0.8rem; color: #92400e; margin: 0.5rem 0 0; }
.nr-board { list-style: none; margin: 0; padding: 0; max-height: 30vh; overflow-y: auto; }
.nr-pin { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 0.5rem 0.7rem; margin-bottom: 0.5rem; position: relative; }
.nr-pin blockquote { margin: 0 0 0.3rem; font-size: 0.9rem;
  line-height: 1.5; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical;
  overflow: hidden; }
.nr-pin-foot { display: flex; align-items: flex-start; justify-content: space-between;
  gap: 0.75rem; margin-top: 0.3rem; }
.nr-pin-note { margin: 0; font-size: 0.85rem; flex: 1 1 auto; min-width: 0;
  overflow-wrap: anywhere; }
.nr-pin-note::before { content: 'Note: '; font-weight: 600; }
.nr-unpin { background: none; border: 0; color: var(--body-text-color-subdued); cursor: pointer;
  font-size: 0.75rem; text-decoration: underline; padding: 0; margin-left: auto; flex: none; }
.nr-unpin:hover { color: #b91c1c; }

/* corpus */
.nr-stats { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.nr-stat { flex: 1 1 6rem; border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 0.5rem 0.7rem; }
.nr-stat b { display: block; font-size: 1.15rem; font-weight: 600; }
.nr-stat span { font-size: 0.75rem; color: var(--body-text-color-subdued); }
.nr-article h3 { margin: 0 0 0.2rem; font-size: 1.05rem; }
.nr-article-text { white-space: pre-wrap; line-height: 1.65;
  max-height: 60vh; overflow-y: auto; margin-top: 0.6rem; }
.nr-settings { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0 1rem;
  border: 0 !important; }
.nr-settings th, .nr-settings td { border: 0 !important; text-align: left; vertical-align: top;
  border-bottom: 1px solid var(--border-color-primary) !important;
  padding: 0.4rem 1.5rem 0.4rem 0; }
.nr-settings th { font-weight: 600; white-space: nowrap; background: none !important; }
.nr-settings td { word-break: break-all; }

/* Toasts at the bottom left, where they cover no panel (Gradio puts them top right,
   over the passage). */
.toast-wrap { top: auto !important; bottom: 1rem; left: 1rem !important; right: auto !important;
  align-items: flex-start !important; width: min(250px, 90vw) !important; }

/* the sessions drawer's buttons exist only on a phone */
.nr-drawer-btn { display: none; }

/* phone: the conversation first, the question box on the first screen, sessions in a
   drawer opened from the header */
@media (max-width: 760px) {
  #nr-header { align-items: center; padding: 0; }
  #nr-header span { display: none; }
  .nr-drawer-btn { display: inline-block; border: 1px solid var(--border-color-primary);
    border-radius: 6px; background: var(--background-fill-primary); padding: 0.2rem 0.6rem;
    font: inherit; font-size: 0.85rem; cursor: pointer; color: inherit; }
  #nr-side { position: fixed !important; top: 0; left: 0; bottom: 0; z-index: 1000;
    width: min(86vw, 340px) !important; max-width: 86vw; padding: 0.75rem; overflow-y: auto;
    background: var(--background-fill-primary); box-shadow: 4px 0 24px rgba(15, 23, 42, 0.25);
    transform: translateX(-110%); transition: transform 0.2s ease; visibility: hidden; }
  #nr-side.nr-open { transform: none; visibility: visible; }
  .nr-drawer-close { align-self: flex-end; }
  .nr-sessions { max-height: none; }
  .nr-scroll { height: calc(100dvh - var(--nr-chrome-phone, 340px)); min-height: 180px; }
  /* one line, so a long title never pushes the question box off the first screen */
  #nr-title textarea { white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
    font-size: 1rem !important; }
  .nr-lead { font-size: 1.05rem; }
  #nr-toolbar { flex-wrap: nowrap !important; gap: 0.3rem; }
  #nr-toolbar > * { min-width: 0 !important; flex: 1 1 auto !important; }
  #nr-toolbar button { padding: 0.25rem 0.4rem !important; white-space: nowrap; }
  #nr-ask-row #nr-ask { min-width: 56px !important; flex: 0 0 auto !important; }
  .gradio-container, .main, .wrap.main { padding-left: 0.5rem !important;
    padding-right: 0.5rem !important; }
}
"""
