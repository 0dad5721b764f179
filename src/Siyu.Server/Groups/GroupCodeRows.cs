using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Groups;

/// <summary>A group code (群活码) with tiers (社群分层); instants in UTC ticks.</summary>
public sealed class GroupCodeRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>active or paused (a paused code routes nobody; its QR codes stay printed).</summary>
    public string Status { get; set; } = "active";
    /// <summary>Stem of the rooms WeCom auto-creates when every pooled group of a tier is full.</summary>
    public string RoomBaseName { get; set; } = "";
    public bool AutoCreateRoom { get; set; } = true;
    /// <summary>Group welcome text (入群欢迎语) and the WeCom template holding it.</summary>
    public string? WelcomeText { get; set; }
    public string? WelcomeTemplateId { get; set; }
    public long CreatedAtTicks { get; set; }
    public string CreatedBy { get; set; } = "";
}

/// <summary>One tier of a code: rank (higher first), entry condition (audience condition JSON; null = everyone), its WeCom join way.</summary>
public sealed class GroupCodeTierRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long GroupCodeId { get; set; }
    public string Name { get; set; } = "";
    public int Rank { get; set; }
    public string? Condition { get; set; }
    public string? ConfigId { get; set; }
    public string? QrCode { get; set; }
    /// <summary>The join way's state (gc{code}t{tier}): comes back on members who joined through it.</summary>
    public string State { get; set; } = "";
    /// <summary>The chat ids currently listed on the join way (JSON array, at most 5).</summary>
    public string Listed { get; set; } = "[]";
    public int RoomBaseId { get; set; } = 1;
    public long? RotatedAtTicks { get; set; }
    public string? SyncError { get; set; }
}

/// <summary>A group in a tier's pool, in fill order (standby groups beyond the 5 listed wait here).</summary>
public sealed class GroupCodeChatRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long GroupCodeId { get; set; }
    public long TierId { get; set; }
    public string ChatId { get; set; } = "";
    public int Position { get; set; }
    /// <summary>True when WeCom created the room for the join way (auto_create_room).</summary>
    public bool AutoCreated { get; set; }
    public long AddedAtTicks { get; set; }
}

/// <summary>Joins and leaves of one group on one local day (from change_external_chat callbacks).</summary>
public sealed class GroupDailyStatRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public string ChatId { get; set; } = "";
    /// <summary>Local day number (<see cref="DateOnly.DayNumber"/>) in the tenant's time zone.</summary>
    public int Day { get; set; }
    public int Joins { get; set; }
    public int Leaves { get; set; }
}

/// <summary>A group SOP (群SOP): a daily timed message every group of the code gets, as a task for the group's owner.</summary>
public sealed class GroupSopRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long GroupCodeId { get; set; }
    public string Name { get; set; } = "";
    public string Text { get; set; } = "";
    /// <summary>Local time HH:mm at which the task goes out each day.</summary>
    public string Time { get; set; } = "";
    public string Status { get; set; } = "active";
    public long CreatedAtTicks { get; set; }
}

internal static class GroupCodeRows
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<GroupCodeRow>(e =>
        {
            e.ToTable("group_codes");
            e.HasIndex(c => new { c.TenantId, c.Id });
            e.Property(c => c.Name).HasMaxLength(60);
            e.Property(c => c.Status).HasMaxLength(16);
            e.Property(c => c.RoomBaseName).HasMaxLength(40);
            e.Property(c => c.WelcomeText).HasMaxLength(1000);
            e.Property(c => c.WelcomeTemplateId).HasMaxLength(64);
            e.Property(c => c.CreatedBy).HasMaxLength(200);
        });
        b.Entity<GroupCodeTierRow>(e =>
        {
            e.ToTable("group_code_tiers");
            e.HasIndex(t => new { t.TenantId, t.GroupCodeId, t.Rank }).IsUnique();
            e.Property(t => t.Name).HasMaxLength(30);
            e.Property(t => t.ConfigId).HasMaxLength(64);
            e.Property(t => t.QrCode).HasMaxLength(500);
            e.Property(t => t.State).HasMaxLength(30);
            e.Property(t => t.Listed).HasMaxLength(1000);
            e.Property(t => t.SyncError).HasMaxLength(300);
        });
        b.Entity<GroupCodeChatRow>(e =>
        {
            e.ToTable("group_code_chats");
            e.HasIndex(c => new { c.TenantId, c.TierId, c.ChatId }).IsUnique();
            e.HasIndex(c => new { c.TenantId, c.ChatId });
            e.Property(c => c.ChatId).HasMaxLength(64);
        });
        b.Entity<GroupDailyStatRow>(e =>
        {
            e.ToTable("group_daily_stats");
            e.HasIndex(s => new { s.TenantId, s.ChatId, s.Day }).IsUnique();
            e.Property(s => s.ChatId).HasMaxLength(64);
        });
        b.Entity<GroupSopRow>(e =>
        {
            e.ToTable("group_sops");
            e.HasIndex(s => new { s.TenantId, s.GroupCodeId });
            e.Property(s => s.Name).HasMaxLength(60);
            e.Property(s => s.Text).HasMaxLength(1000);
            e.Property(s => s.Time).HasMaxLength(5);
            e.Property(s => s.Status).HasMaxLength(16);
        });
    }
}
