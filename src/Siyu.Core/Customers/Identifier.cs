namespace Siyu.Core.Customers;

/// <summary>Kinds of identifier a customer can carry, in descending matching priority.</summary>
public enum IdentifierType
{
    /// <summary>WeCom external_userid (one per customer per corp; strong).</summary>
    ExternalUserId = 0,
    /// <summary>WeChat unionid (strong).</summary>
    UnionId = 1,
    /// <summary>Mobile phone, normalised to digits (mainland numbers without +86).</summary>
    Phone = 2,
    Email = 3,
    /// <summary>Order-platform buyer id such as <c>taobao:buyer123</c>.</summary>
    PlatformId = 4,
    /// <summary>Anonymous device or cookie id (weakest).</summary>
    DeviceId = 5,
}

/// <summary>A typed, normalised identifier value.</summary>
public readonly record struct Identifier(IdentifierType Type, string Value)
{
    public override string ToString() => $"{IdentifierTypes.WireName(Type)}:{Value}";
}

public static class IdentifierTypes
{
    public static readonly IReadOnlyList<IdentifierType> All = Enum.GetValues<IdentifierType>();

    /// <summary>Name used in the JSON API (<c>identifiers.phone</c> …).</summary>
    public static string WireName(IdentifierType type) => type switch
    {
        IdentifierType.ExternalUserId => "external_userid",
        IdentifierType.UnionId => "unionid",
        IdentifierType.Phone => "phone",
        IdentifierType.Email => "email",
        IdentifierType.PlatformId => "platform_id",
        IdentifierType.DeviceId => "device_id",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParseWireName(string name, out IdentifierType type)
    {
        foreach (var t in All)
        {
            if (WireName(t) == name)
            {
                type = t;
                return true;
            }
        }
        type = default;
        return false;
    }
}
