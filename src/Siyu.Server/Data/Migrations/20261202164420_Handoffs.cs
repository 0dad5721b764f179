using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class Handoffs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "handoffs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: false),
                    StaffUserId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Topics = table.Column<string>(type: "TEXT", nullable: false),
                    TriggerSeq = table.Column<long>(type: "INTEGER", nullable: false),
                    TriggerMsgId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    TriggerText = table.Column<string>(type: "TEXT", nullable: true),
                    Hits = table.Column<int>(type: "INTEGER", nullable: false),
                    LastHitSeq = table.Column<long>(type: "INTEGER", nullable: false),
                    LastHitAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    NotifiedTo = table.Column<string>(type: "TEXT", nullable: true),
                    OpenedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    ClaimedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    ClaimedBy = table.Column<string>(type: "TEXT", nullable: true),
                    ResolvedAtTicks = table.Column<long>(type: "INTEGER", nullable: true),
                    ResolvedBy = table.Column<string>(type: "TEXT", nullable: true),
                    Note = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_handoffs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "sensitive_topic_settings",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    Lists = table.Column<string>(type: "TEXT", nullable: false),
                    Custom = table.Column<string>(type: "TEXT", nullable: false),
                    Excluded = table.Column<string>(type: "TEXT", nullable: false),
                    Supervisors = table.Column<string>(type: "TEXT", nullable: false),
                    UpdatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedBy = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sensitive_topic_settings", x => x.TenantId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_handoffs_TenantId_CustomerId_TriggerSeq",
                table: "handoffs",
                columns: new[] { "TenantId", "CustomerId", "TriggerSeq" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_handoffs_TenantId_Status_Id",
                table: "handoffs",
                columns: new[] { "TenantId", "Status", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "handoffs");

            migrationBuilder.DropTable(
                name: "sensitive_topic_settings");
        }
    }
}
