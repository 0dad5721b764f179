using Siyu.Core.Customers;

namespace Siyu.Core.Tests.Customers;

/// <summary>Short spellings for identity tests.</summary>
internal static class Ids
{
    public static (IdentifierType, string) Ext(string v) => (IdentifierType.ExternalUserId, v);
    public static (IdentifierType, string) Union(string v) => (IdentifierType.UnionId, v);
    public static (IdentifierType, string) Phone(string v) => (IdentifierType.Phone, v);
    public static (IdentifierType, string) Email(string v) => (IdentifierType.Email, v);
    public static (IdentifierType, string) Platform(string v) => (IdentifierType.PlatformId, v);
    public static (IdentifierType, string) Device(string v) => (IdentifierType.DeviceId, v);

    public static Identifier Id((IdentifierType Type, string Value) raw) =>
        IdentifierNormalizer.Default.TryNormalize(raw.Type, raw.Value, out var value, out _)
            ? new Identifier(raw.Type, value)
            : throw new ArgumentException($"{raw} is not usable");

    public static Resolution Resolve(this IdentityGraph graph, long ticks, params (IdentifierType, string)[] identifiers) =>
        graph.Resolve(identifiers, ticks);

    public static string[] Sorted(IEnumerable<Identifier> ids) => ids.Select(i => i.ToString()).Order(StringComparer.Ordinal).ToArray();
}
