using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Xunit;
using Siyu.Core.Messaging;
using Xunit;

namespace Siyu.Core.Tests.Messaging;

public sealed class TrackedLinksTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");
    private static readonly LinkTrackingSettings Settings = new("https://s.siyu.example/", Key);

    [Theory]
    [InlineData("点击https://shop.example.com/p?id=12&from=wx领取优惠券！", "https://shop.example.com/p?id=12&from=wx")]
    [InlineData("活动链接：https://a.cn/s/abc。", "https://a.cn/s/abc")]
    [InlineData("（详情见https://a.cn/x）", "https://a.cn/x")]
    [InlineData("【https://a.cn/x】", "https://a.cn/x")]
    [InlineData("报名:https://a.cn/x,名额有限", "https://a.cn/x")]          // ASCII comma in Chinese copy
    [InlineData("戳这里 http://a.cn/x?q=1#top 🎉", "http://a.cn/x?q=1#top")]
    [InlineData("链接https://a.cn/x🎉", "https://a.cn/x")]
    [InlineData("见 https://a.cn/x.", "https://a.cn/x")]
    [InlineData("（see https://en.wikipedia.org/wiki/Foo_(bar)）", "https://en.wikipedia.org/wiki/Foo_(bar)")]
    [InlineData("(https://a.cn/x)", "https://a.cn/x")]
    [InlineData("HTTPS://A.CN/X", "HTTPS://A.CN/X")]
    [InlineData("链接\u3000https://a.cn/x\u3000谢谢", "https://a.cn/x")]       // ideographic space
    [InlineData("“https://a.cn/x”", "https://a.cn/x")]                       // curly quotes
    [InlineData("https://a.cn/x！https://b.cn/y？", "https://a.cn/x", "https://b.cn/y")]
    [InlineData("https://a.cn/x，https://b.cn/y", "https://a.cn/x", "https://b.cn/y")]
    [InlineData("登录 https://[2001:db8::1]:8080/p 查看", "https://[2001:db8::1]:8080/p")]
    public void Urls_end_where_chinese_text_and_punctuation_begin(string text, params string[] expected)
    {
        var found = TrackedLinks.FindUrls(text);

        Assert.Equal(expected, found.Select(m => m.Url));
        Assert.All(found, m => Assert.Equal(m.Url, text.Substring(m.Start, m.Length)));
    }

    [Theory]
    [InlineData("访问 www.example.com 了解")]   // no scheme
    [InlineData("https:// 空的")]
    [InlineData("https://。")]
    [InlineData("xhttps://a.cn/x")]            // glued to a word: not a link start
    [InlineData("ftp://a.cn/x")]
    [InlineData("")]
    public void Text_without_a_real_http_url_has_none(string text) => Assert.Empty(TrackedLinks.FindUrls(text));

    /// <summary>The specification of <see cref="TrackedLinks.Code"/> re-implemented with BigInteger, the slow obvious way.</summary>
    private static string OracleCode(byte[] key, int tenant, string messageId, int index, int length, int round)
    {
        var message = Encoding.UTF8.GetBytes(messageId);
        var input = new List<byte>();
        void Int32(int v) => input.AddRange([(byte)v, (byte)(v >> 8), (byte)(v >> 16), (byte)(v >> 24)]);
        Int32(tenant);
        Int32(message.Length);
        input.AddRange(message);
        Int32(index);
        Int32(round);
        var mac = new HMACSHA256(key).ComputeHash([.. input]);
        var value = new BigInteger(mac.AsSpan(0, 8), isUnsigned: true, isBigEndian: true) % BigInteger.Pow(62, length);
        const string digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        var code = "";
        while (value > 0)
        {
            code = digits[(int)(value % 62)] + code;
            value /= 62;
        }
        return code.PadLeft(length, '0');
    }

    [Property(MaxTest = 300)]
    public void Codes_follow_their_specification(int tenant, NonNull<string> messageId, NonNegativeInt index, NonNegativeInt round, bool shortCode)
    {
        var length = shortCode ? 8 : 10;
        var code = TrackedLinks.Code(Key, tenant, messageId.Get, index.Get, length, round.Get);

        Assert.Equal(OracleCode(Key, tenant, messageId.Get, index.Get, length, round.Get), code);
        Assert.Equal(length, code.Length);
        Assert.All(code, c => Assert.True(char.IsAsciiLetterOrDigit(c)));
    }

    [Fact]
    public void Every_input_of_a_code_changes_it()
    {
        var code = TrackedLinks.Code(Key, 1, "m-100", 0);
        var otherKey = Key.ToArray();
        otherKey[^1] ^= 1;

        Assert.Equal(code, TrackedLinks.Code(Key, 1, "m-100", 0));
        Assert.NotEqual(code, TrackedLinks.Code(otherKey, 1, "m-100", 0));
        Assert.NotEqual(code, TrackedLinks.Code(Key, 2, "m-100", 0));
        Assert.NotEqual(code, TrackedLinks.Code(Key, 1, "m-101", 0));
        Assert.NotEqual(code, TrackedLinks.Code(Key, 1, "m-100", 1));
        Assert.NotEqual(code, TrackedLinks.Code(Key, 1, "m-100", 0, collisionRound: 1));
        // Length-prefixing keeps (tenant, message) boundaries apart: no two field splits share an input.
        Assert.NotEqual(TrackedLinks.Code(Key, 1, "2", 0), TrackedLinks.Code(Key, 12, "", 0));
    }

    [Fact]
    public void Codes_spread_over_the_whole_alphabet()
    {
        // 10,000 codes × 10 characters: each of 62 symbols expected 1,613 times (σ ≈ 40); a stuck digit or a
        // truncated alphabet would be far outside.
        var counts = new Dictionary<char, int>();
        for (var i = 0; i < 10_000; i++)
        {
            foreach (var c in TrackedLinks.Code(Key, 1, "m", i))
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }
        Assert.Equal(62, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, 1_400, 1_830));
    }

    [Fact]
    public void Weak_keys_and_odd_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => TrackedLinks.Code(new byte[15], 1, "m", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrackedLinks.Code(Key, 1, "m", 0, length: 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrackedLinks.Code(Key, 1, "m", 0, length: 11));
        Assert.Throws<ArgumentException>(() => TrackedLinks.Rewrite(Settings with { BaseUrl = "s.siyu.example" }, 1, "m", "x"));
    }

    [Fact]
    public void Rewriting_replaces_text_links_then_attachments_in_index_order()
    {
        var message = TrackedLinks.Rewrite(
            Settings, 3, "delivery-88",
            "韩梅梅您好！新品https://shop.example.com/new?c=1，会员日https://shop.example.com/vip。",
            ["https://shop.example.com/card", "pages/index/index"]);

        var codes = Enumerable.Range(0, 3).Select(i => TrackedLinks.Code(Key, 3, "delivery-88", i)).ToArray();
        Assert.Equal($"韩梅梅您好！新品https://s.siyu.example/l/{codes[0]}，会员日https://s.siyu.example/l/{codes[1]}。", message.Text);
        Assert.Equal([$"https://s.siyu.example/l/{codes[2]}", "pages/index/index"], message.AttachmentUrls);
        Assert.Equal(
            [
                new TrackedLink(0, codes[0], "https://shop.example.com/new?c=1", $"https://s.siyu.example/l/{codes[0]}"),
                new TrackedLink(1, codes[1], "https://shop.example.com/vip", $"https://s.siyu.example/l/{codes[1]}"),
                new TrackedLink(2, codes[2], "https://shop.example.com/card", $"https://s.siyu.example/l/{codes[2]}"),
            ],
            message.Links);
    }

    [Fact]
    public void Rewriting_twice_changes_nothing_more()
    {
        var once = TrackedLinks.Rewrite(Settings, 3, "d", "看https://a.cn/x和https://b.cn/y", ["https://c.cn/z"]);
        var twice = TrackedLinks.Rewrite(Settings, 3, "d", once.Text, once.AttachmentUrls);

        Assert.Equal(once.Text, twice.Text);
        Assert.Equal(once.AttachmentUrls, twice.AttachmentUrls);
        Assert.Empty(twice.Links);
    }

    [Property(MaxTest = 300)]
    public void A_url_between_chinese_characters_is_found_exactly(PositiveInt pathSeed, PositiveInt before, PositiveInt after)
    {
        const string chinese = "你好点击领取优惠，。！？）】》、；：“”…—🎉\u3000\n ";
        var random = new Random(pathSeed.Get);
        const string pathChars = "abcXYZ019-._~/?=&%#+@!$*,;:()";
        var path = new string([.. Enumerable.Range(0, random.Next(0, 30)).Select(_ => pathChars[random.Next(pathChars.Length)])]);
        var url = "https://m.example.cn/" + path;
        // The sentence-punctuation rule takes trailing . , : ; ! ? and unbalanced ) off the end, so the expected URL does too.
        var expected = url;
        while (expected[^1] is '.' or ',' or ':' or ';' or '!' or '?' || (expected[^1] == ')' && expected.Count(c => c == ')') > expected.Count(c => c == '(')))
        {
            expected = expected[..^1];
        }
        var text = chinese[before.Get % chinese.Length] + url + chinese[after.Get % chinese.Length];
        if (char.IsSurrogate(text[0]) || char.IsSurrogate(text[^1]))
        {
            text = "你" + url + "好"; // a lone half of 🎉 is not text anyone sends
        }

        var found = Assert.Single(TrackedLinks.FindUrls(text));
        Assert.Equal(expected, found.Url);
        Assert.Equal(text.IndexOf(url, StringComparison.Ordinal), found.Start);
    }

    [Property(MaxTest = 300)]
    public void Text_without_links_passes_through_unchanged(NonNull<string> raw)
    {
        var text = raw.Get.Replace("://", ":/");
        var message = TrackedLinks.Rewrite(Settings, 1, "m", text);
        Assert.Equal(text, message.Text);
        Assert.Empty(message.Links);
    }
}
