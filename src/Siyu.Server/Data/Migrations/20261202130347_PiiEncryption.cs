using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class PiiEncryption : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Encrypted",
                table: "identifiers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SuffixHash",
                table: "identifiers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "pii_backfill",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    Position = table.Column<long>(type: "INTEGER", nullable: false),
                    Target = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pii_backfill", x => x.Name);
                });

            migrationBuilder.CreateIndex(
                name: "IX_identifiers_TenantId_SuffixHash",
                table: "identifiers",
                columns: new[] { "TenantId", "SuffixHash" });

            // Events already in the log are encrypted by PiiBackfill at startup, up to this position; later ones are written encrypted.
            migrationBuilder.Sql("INSERT INTO pii_backfill (Name, Position, Target) SELECT 'events', 0, COALESCE(MAX(Seq), 0) FROM events;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "pii_backfill");

            migrationBuilder.DropIndex(
                name: "IX_identifiers_TenantId_SuffixHash",
                table: "identifiers");

            migrationBuilder.DropColumn(
                name: "Encrypted",
                table: "identifiers");

            migrationBuilder.DropColumn(
                name: "SuffixHash",
                table: "identifiers");
        }
    }
}
