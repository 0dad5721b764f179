using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class QualityInspection : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "quality_cursors",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    LastMessageId = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_quality_cursors", x => x.TenantId);
                });

            migrationBuilder.CreateTable(
                name: "quality_results",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false),
                    StaffUserId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ExternalUserId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    CustomerId = table.Column<long>(type: "INTEGER", nullable: true),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Score = table.Column<int>(type: "INTEGER", nullable: false),
                    CustomerMessages = table.Column<int>(type: "INTEGER", nullable: false),
                    StaffMessages = table.Column<int>(type: "INTEGER", nullable: false),
                    Timeouts = table.Column<int>(type: "INTEGER", nullable: false),
                    ForbiddenHits = table.Column<int>(type: "INTEGER", nullable: false),
                    RequiredApplicable = table.Column<bool>(type: "INTEGER", nullable: false),
                    RequiredHit = table.Column<bool>(type: "INTEGER", nullable: false),
                    NegativeMessages = table.Column<int>(type: "INTEGER", nullable: false),
                    NegativeLate = table.Column<int>(type: "INTEGER", nullable: false),
                    PendingDueMs = table.Column<long>(type: "INTEGER", nullable: true),
                    Unanswered = table.Column<bool>(type: "INTEGER", nullable: false),
                    Findings = table.Column<string>(type: "TEXT", nullable: false),
                    InspectedAtTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_quality_results", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "quality_rules",
                columns: table => new
                {
                    TenantId = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Json = table.Column<string>(type: "TEXT", nullable: false),
                    UpdatedAtTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedBy = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_quality_rules", x => x.TenantId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_quality_results_TenantId_Day",
                table: "quality_results",
                columns: new[] { "TenantId", "Day" });

            migrationBuilder.CreateIndex(
                name: "IX_quality_results_TenantId_PendingDueMs",
                table: "quality_results",
                columns: new[] { "TenantId", "PendingDueMs" });

            migrationBuilder.CreateIndex(
                name: "IX_quality_results_TenantId_StaffUserId_ExternalUserId_Day",
                table: "quality_results",
                columns: new[] { "TenantId", "StaffUserId", "ExternalUserId", "Day" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_quality_results_TenantId_Unanswered",
                table: "quality_results",
                columns: new[] { "TenantId", "Unanswered" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "quality_cursors");

            migrationBuilder.DropTable(
                name: "quality_results");

            migrationBuilder.DropTable(
                name: "quality_rules");
        }
    }
}
