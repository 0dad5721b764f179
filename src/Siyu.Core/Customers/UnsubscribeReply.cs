using System.Globalization;
using System.Text;

namespace Siyu.Core.Customers;

/// <summary>
/// A customer's reply that unsubscribes from marketing: the whole message, normalised (full-width to half-width, case,
/// spaces and punctuation dropped), is one of the keywords — 退订, TD or T (as in "回T退订"), 取消订阅, unsubscribe, stop.
/// A sentence that merely mentions them ("怎么退订会员？") is a question for a human, not an unsubscribe.
/// </summary>
public static class UnsubscribeReply
{
    public static readonly IReadOnlySet<string> Keywords = new HashSet<string>(StringComparer.Ordinal) { "退订", "td", "t", "取消订阅", "退订消息", "unsubscribe", "stop" };

    /// <summary>The consent source recorded for such a reply.</summary>
    public const string Source = "reply_unsubscribe";

    public static bool Matches(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 40)
        {
            return false;
        }
        var normalised = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormKC))
        {
            var category = char.GetUnicodeCategory(c);
            if (char.IsWhiteSpace(c) || char.IsPunctuation(c) || char.IsSymbol(c) || category == UnicodeCategory.Format)
            {
                continue;
            }
            normalised.Append(char.ToLowerInvariant(c));
        }
        return Keywords.Contains(normalised.ToString());
    }
}
