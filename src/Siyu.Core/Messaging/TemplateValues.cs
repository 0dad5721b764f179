namespace Siyu.Core.Messaging;

/// <summary>
/// The values a <see cref="MessageTemplate"/> can read, by placeholder name (<c>name</c>, <c>attributes.会员等级</c>).
/// Values are text: the template formats them (<c>money</c>, <c>date:…</c>), so an adapter never decides presentation.
/// </summary>
public interface ITemplateValues
{
    /// <summary>False, or a null or blank value, means "missing": the placeholder's default is used.</summary>
    bool TryGet(string name, out string? value);
}

/// <summary>Values from a dictionary: previews, tests, and sources that are not customer profiles.</summary>
public sealed class DictionaryTemplateValues(IReadOnlyDictionary<string, string?> values) : ITemplateValues
{
    public bool TryGet(string name, out string? value) => values.TryGetValue(name, out value);
}
