using System.Globalization;
using System.Runtime.CompilerServices;

namespace Siyu.Core.Text;

/// <summary>
/// How keywords and text are made comparable before matching. Every step maps one UTF-16 unit to one (or none), so a
/// match in the normalised text maps back to a span of the original text.
/// </summary>
/// <param name="FoldWidth">Full-width ASCII (U+FF01–U+FF5E, e.g. Ｖ, ０, ！) to half-width, and the ideographic space to a space.</param>
/// <param name="FoldCase">Lower-case letters (culture-invariant), so VIP, vip and ｖｉｐ are one word.</param>
/// <param name="FoldTraditional">
/// Traditional Chinese characters to simplified (東→东, 買→买, 臺→台) by <see cref="ChineseVariants"/>, so a word
/// written in either script is one word. Simplified text is unchanged.
/// </param>
/// <param name="SkipSeparators">
/// Drop characters inserted between the characters of a word to slip past filters ("保 本", "保-本", "保\u200B本", "保🔥本"):
/// white space, control and format characters (zero-width space/joiners, BOM, soft hyphen), punctuation, symbols
/// (including emoji) and combining marks. <c>%</c> and <c>‰</c> are kept because they carry meaning ("100%有效").
/// </param>
public sealed record TextNormalization(bool FoldWidth = true, bool FoldCase = true, bool SkipSeparators = true, bool FoldTraditional = true)
{
    /// <summary>Everything on: what content review uses.</summary>
    public static TextNormalization Default { get; } = new();

    /// <summary>Exact, ordinal matching.</summary>
    public static TextNormalization None { get; } = new(false, false, false, false);

    /// <summary>The normalised form of <paramref name="text"/> (for validation and display, not for the hot path).</summary>
    public string Apply(string text)
    {
        var chars = new char[text.Length];
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (SkipSeparators && TextChars.IsSeparatorPair(text, i))
            {
                i++;
                continue;
            }
            c = Fold(c);
            if (SkipSeparators && TextChars.IsSeparator(c))
            {
                continue;
            }
            chars[n++] = c;
        }
        return new string(chars, 0, n);
    }

    /// <summary>The folds of this normalisation applied to one character (width, then case, then script).</summary>
    public char Fold(char c)
    {
        c = TextChars.Fold(c, FoldWidth, FoldCase);
        return FoldTraditional ? ChineseVariants.ToSimplified(c) : c;
    }
}

/// <summary>Per-character steps of <see cref="TextNormalization"/>, shared by keywords and text so both agree.</summary>
internal static class TextChars
{
    private static readonly bool[] AsciiSeparator = BuildAsciiSeparators();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static char Fold(char c, bool width, bool @case)
    {
        if (c < 0x80)
        {
            return @case && (uint)(c - 'A') <= 'Z' - 'A' ? (char)(c | 0x20) : c;
        }
        if ((uint)(c - 0x4E00) <= 0x9FFF - 0x4E00)
        {
            return c; // CJK unified ideographs: the common case in Chinese text, nothing to fold
        }
        return FoldSlow(c, width, @case);
    }

    private static char FoldSlow(char c, bool width, bool @case)
    {
        if (width)
        {
            if ((uint)(c - 0xFF01) <= 0xFF5E - 0xFF01)
            {
                c = (char)(c - 0xFEE0);
                return @case && (uint)(c - 'A') <= 'Z' - 'A' ? (char)(c | 0x20) : c;
            }
            if (c == '\u3000')
            {
                return ' ';
            }
        }
        return @case ? char.ToLowerInvariant(c) : c;
    }

    /// <summary>Whether the (folded) character is an evasion separator; surrogate halves never are on their own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSeparator(char c)
    {
        if (c < 0x80)
        {
            return AsciiSeparator[c];
        }
        if ((uint)(c - 0x4E00) <= 0x9FFF - 0x4E00)
        {
            return false;
        }
        return c != '‰' && c != '％' && IsSeparatorCategory(CharUnicodeInfo.GetUnicodeCategory(c));
    }

    /// <summary>True when text[i] starts a surrogate pair that is a separator as a whole (most emoji).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSeparatorPair(ReadOnlySpan<char> text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
        && IsSeparatorCategory(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1])));

    private static bool IsSeparatorCategory(UnicodeCategory category) => category switch
    {
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation
            or UnicodeCategory.MathSymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark => true,
        _ => false,
    };

    private static bool[] BuildAsciiSeparators()
    {
        var table = new bool[128];
        for (var c = 0; c < 128; c++)
        {
            // Currency ($) is a symbol category of its own and stays, like %: "$0" and "100%" are claims, not padding.
            table[c] = c != '%' && IsSeparatorCategory(CharUnicodeInfo.GetUnicodeCategory((char)c));
        }
        return table;
    }
}
