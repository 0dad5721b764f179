using System.Text.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server;

/// <summary>
/// Bodies taken as raw JSON (<see cref="JsonElement"/>, <see cref="JsonNode"/>) are checked before the handler runs: the
/// root must be an object, and every name and string must be valid UTF-16 — JSON may escape a lone surrogate
/// (<c>"\ud800"</c>) that System.Text.Json only refuses when the string is read, deep inside a handler.
/// </summary>
public static class JsonBodyGuard
{
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var argument in context.Arguments)
        {
            var problem = argument switch
            {
                JsonElement element => Check(element),
                JsonNode node => CheckNode(node),
                _ => null,
            };
            if (problem is { } error)
            {
                return Problems.Validation([error]);
            }
        }
        return await next(context);
    }

    private static Core.Events.FieldError? CheckNode(JsonNode node)
    {
        try
        {
            return Check(JsonSerializer.SerializeToElement(node));
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException)
        {
            // A JsonObject materialises names lazily: the bad one surfaces while it is written.
            return new Core.Events.FieldError("body", "Contains an unpaired UTF-16 surrogate (\\ud800–\\udfff escaped alone); send valid Unicode text.");
        }
    }

    public static Core.Events.FieldError? Check(JsonElement root) =>
        root.ValueKind != JsonValueKind.Object
            ? new Core.Events.FieldError("body", "The body must be a JSON object.")
            : FirstBadString(root, "") is { } path
                ? new Core.Events.FieldError(path.Length == 0 ? "body" : path, "Contains an unpaired UTF-16 surrogate (\\ud800–\\udfff escaped alone); send valid Unicode text.")
                : null;

    /// <summary>The path of the first name or string that is not valid UTF-16, or null.</summary>
    public static string? FirstBadString(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return path;
                    }
                    var child = path.Length == 0 ? name : $"{path}.{name}";
                    if (FirstBadString(property.Value, child) is { } bad)
                    {
                        return bad;
                    }
                }
                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FirstBadString(item, $"{path}[{i++}]") is { } bad)
                    {
                        return bad;
                    }
                }
                return null;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return path;
                }
            default:
                return null;
        }
    }
}
