using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Stores;

/// <summary>A store (门店) for LBS routing: where it is, how far it serves, when it is open, who serves it.</summary>
public sealed class StoreRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    /// <summary>The tenant's own store code (e.g. SH-001), unique per tenant; imports upsert by it.</summary>
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
    public string City { get; set; } = "";
    public string? Address { get; set; }
    public double Latitude { get; set; }
    public double Longitude { get; set; }
    public double ServiceRadiusKm { get; set; }
    /// <summary>open or closed (closed by hand: renovation, closed for good).</summary>
    public string Status { get; set; } = "open";
    /// <summary>Opening hours in China-time minutes after midnight; both null: always open. Closing before opening: open overnight.</summary>
    public int? OpensAtMinute { get; set; }
    public int? ClosesAtMinute { get; set; }
    /// <summary>JSON array of WeCom userids who serve the store's customers.</summary>
    public string StaffUserIds { get; set; } = "[]";
    /// <summary>The store's channel QR code (门店活码): adds through it are tagged and welcomed as the channel says.</summary>
    public long? ChannelCodeId { get; set; }
    public long CreatedAtTicks { get; set; }
    public long UpdatedAtTicks { get; set; }
    public long? DeletedAtTicks { get; set; }
}

internal static class StoreRows
{
    public static void Configure(ModelBuilder b) =>
        b.Entity<StoreRow>(e =>
        {
            e.ToTable("stores");
            e.HasIndex(s => new { s.TenantId, s.Code }).IsUnique();
            e.Property(s => s.Code).HasMaxLength(32);
            e.Property(s => s.Name).HasMaxLength(60);
            e.Property(s => s.City).HasMaxLength(30);
            e.Property(s => s.Address).HasMaxLength(200);
            e.Property(s => s.Status).HasMaxLength(16);
        });
}
