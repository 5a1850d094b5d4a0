// "Copy link" beside every numbered figure and table caption: copies the page's canonical
// address with the figure's or table's anchor, so a reviewer can cite it exactly.
// "Cite" in the page header goes to the page's cite box, which is folded: it opens it.
document.addEventListener("DOMContentLoaded", () => {
  const canonical = document.querySelector('link[rel="canonical"]');
  const page = (canonical ? canonical.href : location.href).split("#")[0];
  const captions = document.querySelectorAll("figure[id] > figcaption, table[id] > caption");
  for (const caption of captions) {
    const id = caption.parentElement.id;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy-anchor";
    button.textContent = "Copy link";
    button.title = "Copy the address of this " + (caption.tagName === "CAPTION" ? "table" : "figure");
    button.addEventListener("click", async () => {
      const address = page + "#" + id;
      try {
        await navigator.clipboard.writeText(address);
        button.textContent = "Link copied";
      } catch {
        window.prompt("Address of this item:", address);
      }
      setTimeout(() => { button.textContent = "Copy link"; }, 2000);
    });
    caption.appendChild(button);
  }
});

function openCiteBox() {
  const box = document.getElementById("cite-this");
  if (box && box.classList.contains("toggle-hidden")) {
    box.querySelector(".admonition-title")?.click(); // sphinx-togglebutton's own handler
  }
}

document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest('a[href="#cite-this"]')) openCiteBox();
});
window.addEventListener("hashchange", () => { if (location.hash === "#cite-this") openCiteBox(); });
// A page opened at #cite-this: once sphinx-togglebutton has folded the box.
window.addEventListener("load", () => { if (location.hash === "#cite-this") openCiteBox(); });
