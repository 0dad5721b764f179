using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Siyu.Core.Messaging;

/// <summary>A URL found in message text: <c>text.Substring(Start, Length) == Url</c>.</summary>
public readonly record struct UrlMatch(int Start, int Length, string Url);

/// <summary>One rewritten link: what the server stores under <see cref="Code"/> (with its tenant, message and customer).</summary>
/// <param name="Index">Position among the message's tracked links: text links first, in order, then attachments.</param>
public sealed record TrackedLink(int Index, string Code, string Url, string ShortUrl);

/// <summary>A message with its links replaced by short links.</summary>
public sealed record TrackedMessage(string Text, IReadOnlyList<string> AttachmentUrls, IReadOnlyList<TrackedLink> Links);

/// <summary>Where short links point and the tenant's secret that makes their codes unguessable.</summary>
/// <param name="BaseUrl">Absolute http(s) URL of the redirect service; short links are <c>{BaseUrl}/l/{code}</c>.</param>
/// <param name="Key">HMAC key, at least 16 bytes, kept on the server only.</param>
public sealed record LinkTrackingSettings(string BaseUrl, byte[] Key, int CodeLength = TrackedLinks.DefaultCodeLength);

/// <summary>
/// Click tracking for outbound messages: finds the http(s) URLs in (Chinese) text and replaces each with a short link
/// whose code is base62 of HMAC-SHA256(key, tenant, message id, link index). The code reveals nothing and cannot be
/// enumerated; the server maps it back to (tenant, message, customer, URL). A message id must identify one delivery
/// to one customer (a string, so any id scheme fits), or customers would share codes.
/// </summary>
public static class TrackedLinks
{
    public const int MinCodeLength = 8;
    public const int MaxCodeLength = 10;
    /// <summary>10 base62 characters ≈ 59.5 bits: a billion codes in one table collide with probability ~0.45, hence <c>collisionRound</c>.</summary>
    public const int DefaultCodeLength = 10;
    public const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>
    /// The short-link code. The HMAC input is unambiguous: the tenant id (int32 little-endian), the message id as
    /// UTF-8 after its byte length (int32 little-endian), the link index and the collision round (int32 little-endian). The
    /// first 8 bytes of the MAC, read big-endian, are reduced modulo 62^length and written in base62, most
    /// significant digit first, zero-padded. When the server finds a code already taken by another link (a hash
    /// collision, not a retry of the same link), it asks again with <paramref name="collisionRound"/> + 1.
    /// </summary>
    public static string Code(ReadOnlySpan<byte> key, int tenantId, string messageId, int linkIndex, int length = DefaultCodeLength, int collisionRound = 0)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentOutOfRangeException.ThrowIfNegative(linkIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(collisionRound);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, MinCodeLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxCodeLength);
        if (key.Length < 16)
        {
            throw new ArgumentException("An HMAC key of at least 16 bytes.", nameof(key));
        }

        var messageBytes = Encoding.UTF8.GetBytes(messageId);
        var input = new byte[4 + 4 + messageBytes.Length + 8];
        var span = input.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, tenantId);
        span = span[4..];
        BinaryPrimitives.WriteInt32LittleEndian(span, messageBytes.Length);
        messageBytes.CopyTo(span[4..]);
        span = span[(4 + messageBytes.Length)..];
        BinaryPrimitives.WriteInt32LittleEndian(span, linkIndex);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], collisionRound);

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, input, mac);
        var value = BinaryPrimitives.ReadUInt64BigEndian(mac);
        Span<char> code = stackalloc char[length];
        for (var i = length - 1; i >= 0; i--)
        {
            code[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
        return new string(code);
    }

    /// <summary>
    /// The http(s) URLs in a text. A URL starts at <c>http://</c> or <c>https://</c> (any case, not glued to a preceding
    /// letter or digit) and runs over printable ASCII; it ends at whitespace, at any non-ASCII character (CJK text,
    /// full-width punctuation ，。！？）】, emoji: Chinese copy puts them right against links), or at one of
    /// <c>&lt; &gt; " ` { } | \ ^</c>. Trailing <c>. , : ; ! ? ' "</c> and unbalanced <c>)</c> or <c>]</c> are sentence
    /// punctuation, not part of the URL. Not found: links without a scheme (www.example.com) and non-ASCII IRIs
    /// (percent-encode them).
    /// </summary>
    public static IReadOnlyList<UrlMatch> FindUrls(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = new List<UrlMatch>();
        var i = 0;
        while (i < text.Length)
        {
            var schemeLength = SchemeAt(text, i);
            if (schemeLength == 0 || (i > 0 && char.IsAsciiLetterOrDigit(text[i - 1])))
            {
                i++;
                continue;
            }
            var hostStart = i + schemeLength;
            var end = hostStart;
            while (end < text.Length && IsUrlChar(text[end]))
            {
                end++;
            }
            end = TrimTrailing(text, hostStart, end);
            if (end > hostStart && (char.IsAsciiLetterOrDigit(text[hostStart]) || text[hostStart] == '['))
            {
                found.Add(new UrlMatch(i, end - i, text[i..end]));
                i = end;
            }
            else
            {
                i = hostStart;
            }
        }
        return found;
    }

    /// <summary>
    /// Replaces every URL of the text (and every http(s) attachment URL) with a short link. Links already pointing at
    /// <see cref="LinkTrackingSettings.BaseUrl"/> are left alone, so rewriting twice changes nothing.
    /// </summary>
    public static TrackedMessage Rewrite(LinkTrackingSettings settings, int tenantId, string messageId, string text, IReadOnlyList<string>? attachmentUrls = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!Uri.TryCreate(settings.BaseUrl, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("An absolute http(s) base URL.", nameof(settings));
        }
        var prefix = settings.BaseUrl.TrimEnd('/') + "/l/";
        var links = new List<TrackedLink>();
        string Track(string url)
        {
            if (url.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return url;
            }
            var code = Code(settings.Key, tenantId, messageId, links.Count, settings.CodeLength);
            var link = new TrackedLink(links.Count, code, url, prefix + code);
            links.Add(link);
            return link.ShortUrl;
        }

        var output = new StringBuilder(text.Length);
        var copied = 0;
        foreach (var match in FindUrls(text))
        {
            output.Append(text, copied, match.Start - copied).Append(Track(match.Url));
            copied = match.Start + match.Length;
        }
        output.Append(text, copied, text.Length - copied);

        var attachments = new List<string>();
        foreach (var url in attachmentUrls ?? [])
        {
            // An attachment field holds one URL; anything else (a mini-program path, empty) passes through untracked.
            var trimmed = url.Trim();
            var scheme = SchemeAt(trimmed, 0);
            attachments.Add(scheme > 0 && trimmed.Length > scheme ? Track(trimmed) : url);
        }
        return new TrackedMessage(output.ToString(), attachments, links);
    }

    private static int SchemeAt(string text, int i) =>
        string.Compare(text, i, "https://", 0, 8, StringComparison.OrdinalIgnoreCase) == 0 && i + 8 <= text.Length ? 8
        : string.Compare(text, i, "http://", 0, 7, StringComparison.OrdinalIgnoreCase) == 0 && i + 7 <= text.Length ? 7
        : 0;

    private static bool IsUrlChar(char c) => c is > ' ' and < (char)0x7F and not ('<' or '>' or '"' or '`' or '{' or '}' or '|' or '\\' or '^');

    private static int TrimTrailing(string text, int start, int end)
    {
        while (end > start)
        {
            var last = text[end - 1];
            if (last is '.' or ',' or ':' or ';' or '!' or '?' or '\'' or '"')
            {
                end--;
            }
            else if ((last == ')' && Count(text, start, end, ')') > Count(text, start, end, '('))
                || (last == ']' && Count(text, start, end, ']') > Count(text, start, end, '[')))
            {
                end--;
            }
            else
            {
                break;
            }
        }
        return end;
    }

    private static int Count(string text, int start, int end, char c)
    {
        var n = 0;
        for (var i = start; i < end; i++)
        {
            n += text[i] == c ? 1 : 0;
        }
        return n;
    }
}
