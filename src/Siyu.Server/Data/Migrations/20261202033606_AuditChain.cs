using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuditChain : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Hash",
                table: "audit_log",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "PrevHash",
                table: "audit_log",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "Seq",
                table: "audit_log",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "Target",
                table: "audit_log",
                type: "TEXT",
                nullable: true);

            // entries written before the chain: numbered per tenant in insertion order; Bootstrap hashes them once
            migrationBuilder.Sql("""
                UPDATE audit_log SET Seq = (SELECT COUNT(*) FROM audit_log a WHERE a.TenantId = audit_log.TenantId AND a.Id <= audit_log.Id);
                """);

            migrationBuilder.CreateIndex(
                name: "IX_audit_log_TenantId_Action",
                table: "audit_log",
                columns: new[] { "TenantId", "Action" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_log_TenantId_Seq",
                table: "audit_log",
                columns: new[] { "TenantId", "Seq" },
                unique: true);

            // append-only in the database too: no delete, and no update once an entry is hashed
            migrationBuilder.Sql("""
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN OLD.Hash <> ''
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_log_no_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_log_no_delete;");
            migrationBuilder.DropIndex(
                name: "IX_audit_log_TenantId_Action",
                table: "audit_log");

            migrationBuilder.DropIndex(
                name: "IX_audit_log_TenantId_Seq",
                table: "audit_log");

            migrationBuilder.DropColumn(
                name: "Hash",
                table: "audit_log");

            migrationBuilder.DropColumn(
                name: "PrevHash",
                table: "audit_log");

            migrationBuilder.DropColumn(
                name: "Seq",
                table: "audit_log");

            migrationBuilder.DropColumn(
                name: "Target",
                table: "audit_log");
        }
    }
}
