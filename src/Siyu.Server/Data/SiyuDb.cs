using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Data;

/// <summary>
/// Configuration, identity index, event log and snapshots. Times are UTC ticks so SQLite can order them.
/// This is the SQLite context and the one everyone injects; <see cref="PostgresSiyuDb"/> derives from it only to own
/// PostgreSQL's migrations (EF's one-context-type-per-migration-set rule).
/// </summary>
public class SiyuDb : DbContext, Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.IDataProtectionKeyContext
{
    public SiyuDb(DbContextOptions<SiyuDb> options) : base(options)
    {
    }

    protected SiyuDb(DbContextOptions options) : base(options)
    {
    }

    public DbSet<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey> DataProtectionKeys => Set<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>();
    public DbSet<Cluster.ClusterVersionRow> ClusterVersions => Set<Cluster.ClusterVersionRow>();
    public DbSet<Cluster.ClusterMemberRow> ClusterMembers => Set<Cluster.ClusterMemberRow>();
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<ConsoleUser> Users => Set<ConsoleUser>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<CustomerRow> Customers => Set<CustomerRow>();
    public DbSet<IdentifierRow> Identifiers => Set<IdentifierRow>();
    public DbSet<MergeRow> Merges => Set<MergeRow>();
    public DbSet<MergeConflictRow> MergeConflicts => Set<MergeConflictRow>();
    public DbSet<EventRow> Events => Set<EventRow>();
    public DbSet<RfmRunRow> RfmRuns => Set<RfmRunRow>();
    public DbSet<AnalyticsSettingsRow> AnalyticsSettings => Set<AnalyticsSettingsRow>();
    public DbSet<PartitionSnapshotRow> Snapshots => Set<PartitionSnapshotRow>();
    public DbSet<PiiBackfillRow> PiiBackfill => Set<PiiBackfillRow>();
    public DbSet<AuditEntry> Audit => Set<AuditEntry>();
    public DbSet<AlertRow> Alerts => Set<AlertRow>();
    public DbSet<AlertSettingsRow> AlertSettings => Set<AlertSettingsRow>();
    public DbSet<TagGroupRow> TagGroups => Set<TagGroupRow>();
    public DbSet<TagRow> Tags => Set<TagRow>();
    public DbSet<AudienceRow> Audiences => Set<AudienceRow>();
    public DbSet<ScriptFolderRow> ScriptFolders => Set<ScriptFolderRow>();
    public DbSet<ScriptRow> Scripts => Set<ScriptRow>();
    public DbSet<ScriptUseRow> ScriptUses => Set<ScriptUseRow>();
    public DbSet<WeComSettingsRow> WeComSettings => Set<WeComSettingsRow>();
    public DbSet<WeComInboxRow> WeComInbox => Set<WeComInboxRow>();
    public DbSet<StaffRow> Staff => Set<StaffRow>();
    public DbSet<DepartmentRow> Departments => Set<DepartmentRow>();
    public DbSet<CustomerGroupRow> CustomerGroups => Set<CustomerGroupRow>();
    public DbSet<CustomerGroupMemberRow> CustomerGroupMembers => Set<CustomerGroupMemberRow>();
    public DbSet<ChannelCodeRow> ChannelCodes => Set<ChannelCodeRow>();
    public DbSet<ChannelCodeStatRow> ChannelCodeStats => Set<ChannelCodeStatRow>();
    public DbSet<CustomerTransferRow> CustomerTransfers => Set<CustomerTransferRow>();
    public DbSet<WeComSyncRunRow> WeComSyncRuns => Set<WeComSyncRunRow>();
    public DbSet<MassSendRow> MassSends => Set<MassSendRow>();
    public DbSet<TrackedLinkRow> TrackedLinks => Set<TrackedLinkRow>();
    public DbSet<OutboundMessageRow> OutboundMessages => Set<OutboundMessageRow>();
    public DbSet<JourneyRow> Journeys => Set<JourneyRow>();
    public DbSet<JourneyVersionRow> JourneyVersions => Set<JourneyVersionRow>();
    public DbSet<DeliverySettingsRow> DeliverySettings => Set<DeliverySettingsRow>();
    public DbSet<MassSendTaskRow> MassSendTasks => Set<MassSendTaskRow>();
    public DbSet<MassSendRecipientRow> MassSendRecipients => Set<MassSendRecipientRow>();
    public DbSet<DataSubjectRequestRow> DataSubjectRequests => Set<DataSubjectRequestRow>();
    public DbSet<ReviewPackRow> ReviewPacks => Set<ReviewPackRow>();
    public DbSet<ReviewPackSwitchRow> ReviewPackSwitches => Set<ReviewPackSwitchRow>();
    public DbSet<Conversations.ArchiveMessageRow> ArchiveMessages => Set<Conversations.ArchiveMessageRow>();
    public DbSet<Conversations.ArchiveTermRow> ArchiveTerms => Set<Conversations.ArchiveTermRow>();
    public DbSet<Conversations.ArchiveKeyRow> ArchiveKeys => Set<Conversations.ArchiveKeyRow>();
    public DbSet<Conversations.ArchiveSettingsRow> ArchiveSettings => Set<Conversations.ArchiveSettingsRow>();
    public DbSet<Intents.IntentSettingsRow> IntentSettings => Set<Intents.IntentSettingsRow>();
    public DbSet<Quality.QualityRulesRow> QualityRules => Set<Quality.QualityRulesRow>();
    public DbSet<Quality.QualityResultRow> QualityResults => Set<Quality.QualityResultRow>();
    public DbSet<Quality.QualityCursorRow> QualityCursors => Set<Quality.QualityCursorRow>();
    public DbSet<Handoffs.HandoffRow> Handoffs => Set<Handoffs.HandoffRow>();
    public DbSet<Handoffs.SensitiveTopicSettingsRow> SensitiveTopicSettings => Set<Handoffs.SensitiveTopicSettingsRow>();
    public DbSet<Coupons.CouponTemplateRow> CouponTemplates => Set<Coupons.CouponTemplateRow>();
    public DbSet<Coupons.CouponRow> Coupons => Set<Coupons.CouponRow>();
    public DbSet<Stores.StoreRow> Stores => Set<Stores.StoreRow>();
    public DbSet<Lottery.LotteryRow> Lotteries => Set<Lottery.LotteryRow>();
    public DbSet<Lottery.LotteryPrizeRow> LotteryPrizes => Set<Lottery.LotteryPrizeRow>();
    public DbSet<Lottery.LotteryDrawRow> LotteryDraws => Set<Lottery.LotteryDrawRow>();
    public DbSet<Referrals.ReferralCampaignRow> ReferralCampaigns => Set<Referrals.ReferralCampaignRow>();
    public DbSet<Referrals.ReferralParticipantRow> ReferralParticipants => Set<Referrals.ReferralParticipantRow>();
    public DbSet<Referrals.ReferralInviteRow> ReferralInvites => Set<Referrals.ReferralInviteRow>();
    public DbSet<Referrals.ReferralRewardRow> ReferralRewards => Set<Referrals.ReferralRewardRow>();
    public DbSet<Groups.GroupCodeRow> GroupCodes => Set<Groups.GroupCodeRow>();
    public DbSet<Groups.GroupCodeTierRow> GroupCodeTiers => Set<Groups.GroupCodeTierRow>();
    public DbSet<Groups.GroupCodeChatRow> GroupCodeChats => Set<Groups.GroupCodeChatRow>();
    public DbSet<Groups.GroupDailyStatRow> GroupDailyStats => Set<Groups.GroupDailyStatRow>();
    public DbSet<Groups.GroupSopRow> GroupSops => Set<Groups.GroupSopRow>();
    public DbSet<CheckIns.CheckInCampaignRow> CheckInCampaigns => Set<CheckIns.CheckInCampaignRow>();
    public DbSet<CheckIns.CheckInRow> CheckIns => Set<CheckIns.CheckInRow>();
    public DbSet<CheckIns.CheckInRewardRow> CheckInRewards => Set<CheckIns.CheckInRewardRow>();
    public DbSet<Loyalty.PointsAccountRow> PointsAccounts => Set<Loyalty.PointsAccountRow>();
    public DbSet<Loyalty.PointsLotRow> PointsLots => Set<Loyalty.PointsLotRow>();
    public DbSet<Loyalty.PointsLedgerRow> PointsLedger => Set<Loyalty.PointsLedgerRow>();
    public DbSet<Loyalty.LoyaltySettingsRow> LoyaltySettings => Set<Loyalty.LoyaltySettingsRow>();
    public DbSet<Loyalty.LoyaltyCursorRow> LoyaltyCursor => Set<Loyalty.LoyaltyCursorRow>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Tenant>(e =>
        {
            e.ToTable("tenants");
            e.HasIndex(t => t.Slug).IsUnique();
            e.Property(t => t.Slug).HasMaxLength(64);
            e.Property(t => t.Name).HasMaxLength(200);
        });
        b.Entity<ConsoleUser>(e =>
        {
            e.ToTable("console_users");
            e.HasIndex(u => new { u.TenantId, u.UserName }).IsUnique();
            e.Property(u => u.UserName).HasMaxLength(64);
        });
        b.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.HasIndex(k => k.SecretHash).IsUnique();
        });
        b.Entity<CustomerRow>(e =>
        {
            e.ToTable("customers");
            e.HasKey(c => new { c.TenantId, c.Id });
            e.Property(c => c.Id).ValueGeneratedNever();
        });
        b.Entity<IdentifierRow>(e =>
        {
            e.ToTable("identifiers");
            e.HasKey(i => new { i.TenantId, i.Type, i.Value });
            e.HasIndex(i => new { i.TenantId, i.CustomerId });
            e.HasIndex(i => new { i.TenantId, i.SuffixHash });
        });
        b.Entity<PiiBackfillRow>(e =>
        {
            e.ToTable("pii_backfill");
            e.HasKey(x => x.Name);
        });
        b.Entity<MergeRow>(e =>
        {
            e.ToTable("merges");
            e.HasKey(m => new { m.TenantId, m.Id });
            e.Property(m => m.Id).ValueGeneratedNever();
        });
        b.Entity<MergeConflictRow>(e =>
        {
            e.ToTable("merge_conflicts");
            e.HasIndex(c => new { c.TenantId, c.CustomerA, c.CustomerB }).IsUnique();
        });
        b.Entity<EventRow>(e =>
        {
            e.ToTable("events");
            e.HasKey(x => x.Seq);
            e.HasIndex(x => new { x.TenantId, x.IdempotencyKey }).IsUnique();
            e.HasIndex(x => new { x.TenantId, x.Partition, x.Seq });
            e.HasIndex(x => new { x.TenantId, x.CustomerId, x.Seq });
        });
        b.Entity<RfmRunRow>(e =>
        {
            e.ToTable("rfm_runs");
            e.HasKey(r => r.TenantId);
        });
        b.Entity<AnalyticsSettingsRow>(e =>
        {
            e.ToTable("analytics_settings");
            e.HasKey(r => r.TenantId);
        });
        b.Entity<PartitionSnapshotRow>(e =>
        {
            e.ToTable("partition_snapshots");
            e.HasKey(s => new { s.TenantId, s.Partition });
        });
        b.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit_log");
            e.HasIndex(a => new { a.TenantId, a.AtTicks });
            // one entry per position: two writers that read the same previous hash cannot both append (no fork)
            e.HasIndex(a => new { a.TenantId, a.Seq }).IsUnique();
            e.HasIndex(a => new { a.TenantId, a.Action });
            e.Property(a => a.PrevHash).HasMaxLength(64);
            e.Property(a => a.Hash).HasMaxLength(64);
        });
        b.Entity<AlertRow>(e =>
        {
            e.ToTable("alerts");
            e.HasIndex(a => new { a.TenantId, a.Key }).IsUnique();
            e.HasIndex(a => new { a.TenantId, a.Status, a.Id });
            e.Property(a => a.Key).HasMaxLength(200);
            e.Property(a => a.Kind).HasMaxLength(32);
            e.Property(a => a.Status).HasMaxLength(16);
            e.Property(a => a.StaffUserId).HasMaxLength(64);
        });
        b.Entity<AlertSettingsRow>(e =>
        {
            e.ToTable("alert_settings");
            e.HasKey(s => s.TenantId);
            e.Property(s => s.TenantId).ValueGeneratedNever();
        });
        b.Entity<TagGroupRow>(e =>
        {
            e.ToTable("tag_groups");
            e.HasIndex(g => new { g.TenantId, g.Name });
        });
        b.Entity<TagRow>(e =>
        {
            e.ToTable("tags");
            e.HasIndex(t => new { t.TenantId, t.GroupId, t.Name });
            e.HasIndex(t => new { t.TenantId, t.WeComTagId });
        });
        b.Entity<ScriptFolderRow>(e =>
        {
            e.ToTable("script_folders");
            e.HasIndex(f => new { f.TenantId, f.ParentId });
            e.Property(f => f.Name).HasMaxLength(60);
        });
        b.Entity<ScriptRow>(e =>
        {
            e.ToTable("scripts");
            e.HasIndex(s => new { s.TenantId, s.FolderId });
            e.Property(s => s.Title).HasMaxLength(60);
            e.Property(s => s.Kind).HasMaxLength(20);
        });
        b.Entity<ScriptUseRow>(e =>
        {
            e.ToTable("script_uses");
            e.HasKey(u => new { u.TenantId, u.ScriptId, u.Day, u.Actor });
            e.Property(u => u.Actor).HasMaxLength(100);
        });
        b.Entity<AudienceRow>(e =>
        {
            e.ToTable("audiences");
            e.HasIndex(a => new { a.TenantId, a.Name });
        });
        b.Entity<WeComSettingsRow>(e =>
        {
            e.ToTable("wecom_settings");
            e.HasKey(s => s.TenantId);
            e.Property(s => s.TenantId).ValueGeneratedNever();
        });
        b.Entity<WeComInboxRow>(e =>
        {
            e.ToTable("wecom_inbox");
            e.HasIndex(i => new { i.TenantId, i.DedupKey }).IsUnique();
            e.HasIndex(i => new { i.ProcessedAtTicks, i.Id });
        });
        b.Entity<StaffRow>(e =>
        {
            e.ToTable("staff");
            e.HasKey(s => new { s.TenantId, s.UserId });
        });
        b.Entity<DepartmentRow>(e =>
        {
            e.ToTable("departments");
            e.HasKey(d => new { d.TenantId, d.Id });
            e.Property(d => d.Id).ValueGeneratedNever();
        });
        b.Entity<CustomerGroupRow>(e =>
        {
            e.ToTable("customer_groups");
            e.HasKey(g => new { g.TenantId, g.ChatId });
        });
        b.Entity<CustomerGroupMemberRow>(e =>
        {
            e.ToTable("customer_group_members");
            e.HasKey(m => new { m.TenantId, m.ChatId, m.MemberId });
            e.HasIndex(m => new { m.TenantId, m.MemberId });
        });
        b.Entity<JourneyRow>(e =>
        {
            e.ToTable("journeys");
            e.HasIndex(j => new { j.TenantId, j.Status });
        });
        b.Entity<JourneyVersionRow>(e =>
        {
            e.ToTable("journey_versions");
            e.HasKey(v => new { v.TenantId, v.JourneyId, v.Version });
        });
        b.Entity<OutboundMessageRow>(e =>
        {
            e.ToTable("outbound_messages");
            e.HasIndex(m => new { m.TenantId, m.Key }).IsUnique();
            e.HasIndex(m => new { m.Status, m.DueAtTicks });
            e.HasIndex(m => new { m.TenantId, m.CustomerId, m.SentAtTicks });
        });
        b.Entity<DeliverySettingsRow>(e =>
        {
            e.ToTable("delivery_settings");
            e.HasKey(d => d.TenantId);
        });
        b.Entity<Intents.IntentSettingsRow>(e =>
        {
            e.ToTable("intent_settings");
            e.HasKey(d => d.TenantId);
        });
        b.Entity<ReviewPackRow>(e =>
        {
            e.ToTable("review_packs");
            e.HasIndex(p => new { p.TenantId, p.Name }).IsUnique();
            e.Property(p => p.Name).HasMaxLength(64);
        });
        b.Entity<ReviewPackSwitchRow>(e =>
        {
            e.ToTable("review_pack_switches");
            e.HasKey(p => new { p.TenantId, p.PackId });
            e.Property(p => p.PackId).HasMaxLength(64);
        });
        b.Entity<TrackedLinkRow>(e =>
        {
            e.ToTable("tracked_links");
            e.HasKey(l => l.Code);
            e.HasIndex(l => new { l.TenantId, l.MessageId });
        });
        b.Entity<MassSendRow>(e =>
        {
            e.ToTable("mass_sends");
            e.HasIndex(m => new { m.TenantId, m.Status });
        });
        b.Entity<MassSendTaskRow>(e =>
        {
            e.ToTable("mass_send_tasks");
            e.HasIndex(t => new { t.TenantId, t.MassSendId });
        });
        b.Entity<MassSendRecipientRow>(e =>
        {
            e.ToTable("mass_send_recipients");
            e.HasKey(r => new { r.TenantId, r.MassSendId, r.Target });
            e.HasIndex(r => new { r.TenantId, r.CustomerId });
        });
        b.Entity<ChannelCodeRow>(e =>
        {
            e.ToTable("channel_codes");
            e.HasIndex(c => new { c.TenantId, c.State }).IsUnique();
        });
        b.Entity<ChannelCodeStatRow>(e =>
        {
            e.ToTable("channel_code_stats");
            e.HasKey(s => new { s.TenantId, s.ChannelId, s.Day, s.StaffUserId });
        });
        b.Entity<CustomerTransferRow>(e =>
        {
            e.ToTable("customer_transfers");
            e.HasIndex(t => new { t.TenantId, t.Status });
            e.HasIndex(t => new { t.TenantId, t.ExternalUserId });
        });
        b.Entity<WeComSyncRunRow>(e =>
        {
            e.ToTable("wecom_sync_runs");
            e.HasIndex(r => new { r.TenantId, r.StartedAtTicks });
        });
        b.Entity<DataSubjectRequestRow>(e =>
        {
            e.ToTable("data_subject_requests");
            e.HasIndex(r => new { r.TenantId, r.Status, r.DueAtTicks });
            e.HasIndex(r => new { r.TenantId, r.CustomerId });
            e.Property(r => r.Kind).HasMaxLength(16);
            e.Property(r => r.Status).HasMaxLength(16);
            e.Property(r => r.Via).HasMaxLength(16);
        });
        Conversations.ArchiveRows.Configure(b);
        Quality.QualityRows.Configure(b);
        Siyu.Server.Handoffs.HandoffRows.Configure(b);
        Siyu.Server.Coupons.CouponRows.Configure(b);
        Siyu.Server.Loyalty.LoyaltyRows.Configure(b);
        Siyu.Server.Lottery.LotteryRows.Configure(b);
        Siyu.Server.Stores.StoreRows.Configure(b);
        Siyu.Server.Referrals.ReferralRows.Configure(b);
        Siyu.Server.Groups.GroupCodeRows.Configure(b);
        Siyu.Server.CheckIns.CheckInRows.Configure(b);
        Cluster.ClusterRowsModel.Configure(b);
    }

    /// <summary>Audit entries added in this unit of work are chained (sequence and hashes) in the same transaction.</summary>
    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        Compliance.AuditLog.HasPending(this)
            ? throw new InvalidOperationException("Audit entries are chained by SaveChangesAsync; save them asynchronously.")
            : base.SaveChanges(acceptAllChangesOnSuccess);

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default) =>
        Compliance.AuditLog.HasPending(this)
            ? Compliance.AuditLog.SaveChainedAsync(this, ct => base.SaveChangesAsync(acceptAllChangesOnSuccess, ct), cancellationToken)
            : base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
}
