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

// The staff sidebar inside the WeCom chat window. Inside the WeCom client it loads the JS-SDK, signs wx.config and
// wx.agentConfig with signatures from Siyu (/api/v1/sidebar/js-config), asks for the chat's customer and sends scripts
// into the chat; anywhere else every call degrades: no current contact (the page offers a search) and copy instead of send.
window.siyuSidebar = (() => {
    const inWeCom = () => /wxwork/i.test(navigator.userAgent);
    const load = (src) => new Promise((resolve, reject) => {
        const s = Object.assign(document.createElement("script"), { src, onload: resolve, onerror: reject });
        document.head.appendChild(s);
    });
    let ready = null;
    const init = () => ready ??= (async () => {
        if (!inWeCom()) return false;
        try {
            await load("https://res.wx.qq.com/open/js/jweixin-1.2.0.js");
            await load("https://open.work.weixin.qq.com/wwopen/js/jwxwork-1.0.0.js");
            const r = await fetch("/api/v1/sidebar/js-config?url=" + encodeURIComponent(location.href.split("#")[0]), { credentials: "same-origin" });
            if (!r.ok) return false;
            const c = await r.json();
            const apis = ["getCurExternalContact", "sendChatMessage"];
            window.wx.config({ beta: true, debug: false, appId: c.corp_id, timestamp: c.timestamp, nonceStr: c.nonce_str, signature: c.signature, jsApiList: apis });
            await new Promise((resolve, reject) => window.wx.agentConfig({
                corpid: c.corp_id, agentid: String(c.agent_id), timestamp: c.timestamp, nonceStr: c.nonce_str, signature: c.agent_signature,
                jsApiList: apis, success: resolve, fail: reject,
            }));
            return true;
        } catch {
            return false;
        }
    })();
    const invoke = (name, args) => new Promise((resolve) => window.wx.invoke(name, args, resolve));
    return {
        inWeCom,
        currentContact: async () => {
            if (!(await init())) return null;
            const r = await invoke("getCurExternalContact", {});
            return r && r.err_msg === "getCurExternalContact:ok" ? r.userId : null;
        },
        // "sent" (into the chat), "copied" (outside WeCom, or the client refused) or "failed".
        send: async (text, link) => {
            if (await init()) {
                const args = link ? { msgtype: "news", enterChat: true, news: { link: link.url, title: link.title, desc: link.desc || "", imgUrl: "" } }
                                  : { msgtype: "text", enterChat: true, text: { content: text } };
                const r = await invoke("sendChatMessage", args);
                if (r && r.err_msg === "sendChatMessage:ok") return "sent";
            }
            return (await window.siyuCopy(link ? link.url : text)) ? "copied" : "failed";
        },
    };
})();
