namespace MriCs.Management.Routes;
