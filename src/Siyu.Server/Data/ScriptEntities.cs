namespace Siyu.Server.Data;

/// <summary>A folder of the script and material library (话术库/素材库); folders nest.</summary>
public sealed class ScriptFolderRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long? ParentId { get; set; }
    public required string Name { get; set; }
    public long CreatedAtTicks { get; set; }
    public long? DeletedAtTicks { get; set; }
}

/// <summary>A script or material: text with placeholders, image, file, link or mini-program card (see Siyu.Core.Scripts).</summary>
public sealed class ScriptRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long? FolderId { get; set; }
    public required string Kind { get; set; }
    public required string Title { get; set; }
    public string? Text { get; set; }
    public string? Url { get; set; }
    public string? Description { get; set; }
    public string? FileName { get; set; }
    public string? AppId { get; set; }
    public string? Page { get; set; }
    /// <summary>JSON array of tag ids.</summary>
    public string TagIds { get; set; } = "[]";
    /// <summary>JSON array of intent codes.</summary>
    public string Intents { get; set; } = "[]";
    public int Uses { get; set; }
    public long? LastUsedAtTicks { get; set; }
    public string? CreatedBy { get; set; }
    public long CreatedAtTicks { get; set; }
    public long UpdatedAtTicks { get; set; }
    public long? DeletedAtTicks { get; set; }
}

/// <summary>Uses of a script per local day and staff member (who sent or copied it), for the usage statistics.</summary>
public sealed class ScriptUseRow
{
    public int TenantId { get; set; }
    public long ScriptId { get; set; }
    /// <summary>The tenant-local day as a <see cref="DateOnly.DayNumber"/>.</summary>
    public int Day { get; set; }
    public required string Actor { get; set; }
    public int Count { get; set; }
}
