using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrocerySync.Hub.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AgentsHeartbeatHot : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Agents_LastHeartbeatAt",
                table: "Agents");

            migrationBuilder.DropIndex(
                name: "IX_Agents_Status_LastHeartbeatAt",
                table: "Agents");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Agents_LastHeartbeatAt",
                table: "Agents",
                column: "LastHeartbeatAt");

            migrationBuilder.CreateIndex(
                name: "IX_Agents_Status_LastHeartbeatAt",
                table: "Agents",
                columns: new[] { "Status", "LastHeartbeatAt" });
        }
    }
}
