using System.Text.Json.Serialization;
using Siyu.Core.Events;
using Siyu.Core.Messaging;

namespace Siyu.Core.Scripts;

/// <summary>What a script (话术) or material (素材) is: a text with placeholders, an image, a file, a link card or a mini-program card.</summary>
public static class ScriptKinds
{
    public const string Text = "text";
    public const string Image = "image";
    public const string File = "file";
    public const string Link = "link";
    public const string MiniProgram = "miniprogram";

    public static readonly IReadOnlyList<string> All = [Text, Image, File, Link, MiniProgram];
}

/// <summary>
/// A script or material as the console and API send it. Text may carry placeholders (<c>{{name|您}}</c>, see
/// <see cref="MessageTemplate"/>) filled from the customer's profile when staff use it; the other kinds carry a URL
/// (image, file, link) or a mini-program (app id and page) plus an optional text sent with them.
/// </summary>
public sealed record ScriptInput
{
    public const int MaxTitle = 60;
    public const int MaxText = 4000;
    public const int MaxUrl = 2000;
    public const int MaxTags = 20;

    [JsonPropertyName("folder_id")] public long? FolderId { get; init; }
    [JsonPropertyName("kind")] public string? Kind { get; init; }
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("text")] public string? Text { get; init; }
    [JsonPropertyName("url")] public string? Url { get; init; }
    /// <summary>Link cards: the description shown under the title.</summary>
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("file_name")] public string? FileName { get; init; }
    [JsonPropertyName("appid")] public string? AppId { get; init; }
    [JsonPropertyName("page")] public string? Page { get; init; }
    /// <summary>Tags whose customers this script suits (the sidebar recommends by them).</summary>
    [JsonPropertyName("tag_ids")] public IReadOnlyList<long>? TagIds { get; init; }
    /// <summary>Intent codes of customer messages this script answers (the sidebar recommends by the customer's recent intents).</summary>
    [JsonPropertyName("intents")] public IReadOnlyList<string>? Intents { get; init; }

    /// <summary>Every problem, each naming its field; <paramref name="placeholderFields"/> are the fields a placeholder may name.</summary>
    public List<FieldError> Validate(IReadOnlySet<string> placeholderFields)
    {
        var errors = new List<FieldError>();
        if (Kind is null || !ScriptKinds.All.Contains(Kind))
        {
            errors.Add(new FieldError("kind", $"One of {string.Join(", ", ScriptKinds.All)}."));
        }
        if (string.IsNullOrWhiteSpace(Title) || Title.Trim().Length > MaxTitle || Title.Any(char.IsControl))
        {
            errors.Add(new FieldError("title", $"1–{MaxTitle} characters, no control characters."));
        }
        if (Text is { Length: > MaxText })
        {
            errors.Add(new FieldError("text", $"At most {MaxText} characters."));
        }
        else if (Text is { Length: > 0 } text && MessageTemplate.Parse(text, placeholderFields, "text") is { Success: false } parsed)
        {
            errors.AddRange(parsed.Errors);
        }
        if (Kind == ScriptKinds.Text && string.IsNullOrWhiteSpace(Text))
        {
            errors.Add(new FieldError("text", "A text script needs its text."));
        }
        if (Kind is ScriptKinds.Image or ScriptKinds.File or ScriptKinds.Link && !IsHttpUrl(Url))
        {
            errors.Add(new FieldError("url", $"An http(s) URL of at most {MaxUrl} characters."));
        }
        if (Kind == ScriptKinds.File && string.IsNullOrWhiteSpace(FileName))
        {
            errors.Add(new FieldError("file_name", "The file's name as staff and customers see it."));
        }
        if (Kind == ScriptKinds.MiniProgram)
        {
            if (AppId is null || AppId.Length is < 4 or > 40 || !AppId.All(char.IsAsciiLetterOrDigit))
            {
                errors.Add(new FieldError("appid", "The mini-program's app id (letters and digits, e.g. wx1234567890abcdef)."));
            }
            if (string.IsNullOrWhiteSpace(Page) || Page.Length > 200)
            {
                errors.Add(new FieldError("page", "The page path to open, e.g. pages/index/index.html (≤ 200 characters)."));
            }
        }
        if (Description is { Length: > 200 })
        {
            errors.Add(new FieldError("description", "At most 200 characters."));
        }
        if (FileName is { Length: > 200 })
        {
            errors.Add(new FieldError("file_name", "At most 200 characters."));
        }
        if (TagIds is { Count: > MaxTags })
        {
            errors.Add(new FieldError("tag_ids", $"At most {MaxTags} tags."));
        }
        if (Intents is { Count: > MaxTags })
        {
            errors.Add(new FieldError("intents", $"At most {MaxTags} intents."));
        }
        else
        {
            for (var i = 0; i < (Intents?.Count ?? 0); i++)
            {
                if (!Siyu.Core.Intents.IntentCatalog.IsValidCode(Intents![i]))
                {
                    errors.Add(new FieldError($"intents[{i}]", "An intent code such as price_inquiry or after_sales."));
                }
            }
        }
        return errors;
    }

    private static bool IsHttpUrl(string? url) =>
        url is { Length: > 0 and <= MaxUrl } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
