using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;

namespace Siyu.Core.Messaging;

/// <summary>
/// A customer profile as template values:
/// <list type="bullet">
/// <item><c>name</c>: the display name (the <c>name</c> attribute);</item>
/// <item><c>orders</c>, <c>spend</c>, <c>net_spend</c>: order count, paid total, paid minus refunded (invariant numbers, so <c>money</c> can format them);</item>
/// <item>the documented built-in attributes by their own name (<c>birthday</c>, <c>city</c>, <c>gender</c>…);</item>
/// <item><c>attributes.X</c>: any attribute, including operators' own (<c>attributes.会员等级</c>).</item>
/// </list>
/// Attribute strings and numbers render as themselves, booleans as <c>true</c>/<c>false</c>; objects and arrays count as missing.
/// </summary>
public sealed class ProfileTemplateValues(CustomerProfile profile) : ITemplateValues
{
    public const string AttributePrefix = "attributes.";

    private static readonly string[] ProfileFields = ["name", "orders", "spend", "net_spend"];

    /// <summary>Every name this adapter answers except the open-ended <c>attributes.*</c>.</summary>
    public static IReadOnlySet<string> BuiltInFields { get; } =
        new HashSet<string>(ProfileFields.Concat(AttributeSchema.Documented.Keys), StringComparer.Ordinal);

    /// <summary>The catalog for <see cref="MessageTemplate.Parse"/>: the built-in fields plus <c>attributes.X</c> for the tenant's attributes.</summary>
    public static IReadOnlySet<string> Catalog(IEnumerable<string> attributeNames)
    {
        var catalog = new HashSet<string>(BuiltInFields, StringComparer.Ordinal);
        foreach (var name in attributeNames)
        {
            catalog.Add(AttributePrefix + name);
        }
        return catalog;
    }

    public bool TryGet(string name, out string? value)
    {
        value = name switch
        {
            "name" => profile.DisplayName,
            "orders" => profile.Orders.ToString(CultureInfo.InvariantCulture),
            "spend" => profile.Spend.ToString(CultureInfo.InvariantCulture),
            "net_spend" => profile.NetSpend.ToString(CultureInfo.InvariantCulture),
            _ when name.StartsWith(AttributePrefix, StringComparison.Ordinal) => Attribute(name[AttributePrefix.Length..]),
            _ when AttributeSchema.Documented.ContainsKey(name) => Attribute(name),
            _ => null,
        };
        return value is not null;
    }

    private string? Attribute(string name) =>
        profile.Attributes.TryGetValue(name, out var attribute) && attribute.Value is JsonValue v
            ? v.GetValueKind() switch
            {
                JsonValueKind.String => v.GetValue<string>(),
                // The JSON text of a number is its invariant form, whatever CLR type backs the node.
                JsonValueKind.Number => v.ToJsonString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => null,
            }
            : null;
}
