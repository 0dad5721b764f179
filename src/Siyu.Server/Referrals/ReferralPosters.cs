using SkiaSharp;

namespace Siyu.Server.Referrals;

/// <summary>
/// Renders an inviter's poster (海报) as PNG: the campaign colour and title, "{nickname} 邀请你" and the inviter's
/// own contact-way QR image. Chinese text needs a CJK font: the first family fontconfig knows for zh (Noto Sans/Serif
/// CJK), else the default typeface (the poster still renders; the glyphs may be boxes).
/// </summary>
public sealed class ReferralPosters
{
    public const int Width = 750, Height = 1200, QrSize = 420;
    private static readonly string[] CjkFamilies = ["Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei"];
    private readonly Lazy<SKTypeface> _typeface = new(FindCjkTypeface);

    /// <summary>The family used for Chinese text (for diagnostics and tests).</summary>
    public string FontFamily => _typeface.Value.FamilyName;

    private static SKTypeface FindCjkTypeface()
    {
        foreach (var family in CjkFamilies)
        {
            var face = SKTypeface.FromFamilyName(family);
            if (face is not null && string.Equals(face.FamilyName, family, StringComparison.OrdinalIgnoreCase))
            {
                return face;
            }
        }
        // fontconfig picks a family covering 中 when the names above are missing.
        return SKFontManager.Default.MatchCharacter('中') ?? SKTypeface.Default;
    }

    public byte[] Render(string title, string colorHex, string nickname, string subtitle, byte[]? qrImage)
    {
        var background = SKColor.TryParse(colorHex, out var c) ? c : new SKColor(0xC6, 0x28, 0x28);
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(background);
        using var paint = new SKPaint { IsAntialias = true, Color = SKColors.White };
        using var titleFont = new SKFont(_typeface.Value, 64);
        using var textFont = new SKFont(_typeface.Value, 40);
        using var smallFont = new SKFont(_typeface.Value, 30);
        canvas.DrawText(Fit(title, titleFont, Width - 80), Width / 2f, 160, SKTextAlign.Center, titleFont, paint);
        canvas.DrawText(Fit(nickname + " 邀请你", textFont, Width - 80), Width / 2f, 260, SKTextAlign.Center, textFont, paint);
        canvas.DrawText(Fit(subtitle, smallFont, Width - 80), Width / 2f, 320, SKTextAlign.Center, smallFont, paint);
        // A white card behind the QR keeps its quiet zone whatever the background colour.
        var card = SKRect.Create((Width - QrSize) / 2f - 30, 400, QrSize + 60, QrSize + 60);
        canvas.DrawRoundRect(card, 24, 24, paint);
        if (qrImage is not null && SKBitmap.Decode(qrImage) is { } qr)
        {
            using (qr)
            {
                using var image = SKImage.FromBitmap(qr);
                // Nearest-neighbour: a scaled QR keeps sharp modules.
                canvas.DrawImage(image, SKRect.Create((Width - QrSize) / 2f, 430, QrSize, QrSize), new SKSamplingOptions(SKFilterMode.Nearest));
            }
        }
        canvas.DrawText("长按识别二维码，添加好友", Width / 2f, 960, SKTextAlign.Center, smallFont, paint);
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>Cuts text with "…" so it fits the width.</summary>
    private static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width)
        {
            return text;
        }
        var runes = text.EnumerateRunes().ToList();
        while (runes.Count > 1 && font.MeasureText(string.Concat(runes.Select(r => r.ToString())) + "…") > width)
        {
            runes.RemoveAt(runes.Count - 1);
        }
        return string.Concat(runes.Select(r => r.ToString())) + "…";
    }
}
