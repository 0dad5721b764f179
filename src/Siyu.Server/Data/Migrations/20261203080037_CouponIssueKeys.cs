using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Siyu.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class CouponIssueKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "IssueKey",
                table: "coupons",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_coupons_TenantId_IssueKey",
                table: "coupons",
                columns: new[] { "TenantId", "IssueKey" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_coupons_TenantId_IssueKey",
                table: "coupons");

            migrationBuilder.DropColumn(
                name: "IssueKey",
                table: "coupons");
        }
    }
}
