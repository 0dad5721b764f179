namespace Siyu.Core.Conversations;

/// <summary>
/// Chinese full-text search without an analyzer: every character (unigram) and every pair of adjacent characters
/// (bigram) of a text is a term. A query of two or more characters needs all its bigrams, one character its unigram;
/// candidates are then checked for the exact substring, so the index may over-match but results never do.
/// </summary>
public static class NGrams
{
    /// <summary>Lower-case invariant, so Latin words match regardless of case; Chinese is unchanged.</summary>
    public static string Normalize(string text) => text.ToLowerInvariant();

    /// <summary>The distinct terms of a stored text.</summary>
    public static HashSet<string> IndexTerms(string text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        var s = Normalize(text);
        for (var i = 0; i < s.Length; i++)
        {
            if (Skip(s[i]))
            {
                continue;
            }
            terms.Add(s[i].ToString());
            if (i + 1 < s.Length && !Skip(s[i + 1]))
            {
                terms.Add(s.Substring(i, 2));
            }
        }
        return terms;
    }

    /// <summary>The terms a query needs (all of them); empty when the query has nothing searchable.</summary>
    public static HashSet<string> QueryTerms(string query)
    {
        var s = Normalize(query.Trim());
        var terms = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < s.Length; i++)
        {
            if (!Skip(s[i]) && !Skip(s[i + 1]))
            {
                terms.Add(s.Substring(i, 2));
            }
        }
        if (terms.Count == 0)
        {
            foreach (var c in s)
            {
                if (!Skip(c))
                {
                    terms.Add(c.ToString());
                }
            }
        }
        return terms;
    }

    /// <summary>Where the query occurs in the text (start, length in UTF-16 units), case-insensitively, not overlapping.</summary>
    public static List<(int Start, int Length)> Highlights(string text, string query)
    {
        var hits = new List<(int, int)>();
        var q = Normalize(query.Trim());
        if (q.Length == 0)
        {
            return hits;
        }
        var s = Normalize(text);
        for (var at = s.IndexOf(q, StringComparison.Ordinal); at >= 0; at = s.IndexOf(q, at + q.Length, StringComparison.Ordinal))
        {
            hits.Add((at, q.Length));
        }
        return hits;
    }

    // Whitespace and surrogate halves make no useful terms (emoji are searched by the exact-substring check only).
    private static bool Skip(char c) => char.IsWhiteSpace(c) || char.IsSurrogate(c);
}
