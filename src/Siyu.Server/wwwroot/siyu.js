// The console's own script: a file, not inline, so the Content-Security-Policy can say script-src 'self'.
// Saves bytes the console built (the analytics CSV exports) as a downloaded file.
window.siyuDownload = (name, type, bytes) => {
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    const a = Object.assign(document.createElement("a"), { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
};

// Copies a script's text for pasting into a chat; false when the browser refuses (no secure context, no permission).
window.siyuCopy = async (text) => {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        return false;
    }
};
