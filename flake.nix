{
  description = "AgroBridge API: dev shell, virtualenv and OCI image, all from uv.lock";

  # Structure after uv2nix's hello-world template. uv.lock stays the one source of Python
  # dependencies: uv2nix reads it, so Nix and `uv sync` install exactly the same versions.
  inputs = {
    # A nixos-25.05 revision (2026-01-02), pinned here so that even a checkout without flake.lock
    # gets the same nixpkgs. flake.lock (made by the first `nix flake lock` on a machine with
    # network) adds its narHash; change this line and rerun `nix flake lock` to move it.
    nixpkgs.url = "github:NixOS/nixpkgs/ac62194c3917d5f474c1a844b6fd6da2db95077d";

    pyproject-nix = {
      url = "github:pyproject-nix/pyproject.nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    uv2nix = {
      url = "github:pyproject-nix/uv2nix";
      inputs.pyproject-nix.follows = "pyproject-nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    # Build backends (hatchling for this project) for packages built from source.
    pyproject-build-systems = {
      url = "github:pyproject-nix/build-system-pkgs";
      inputs.pyproject-nix.follows = "pyproject-nix";
      inputs.uv2nix.follows = "uv2nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    { self
    , nixpkgs
    , pyproject-nix
    , uv2nix
    , pyproject-build-systems
    , ...
    }:
    let
      inherit (nixpkgs) lib;

      # Linux only: the image is for Linux servers, and that is where the project runs.
      forAllSystems = lib.genAttrs [ "x86_64-linux" "aarch64-linux" ];

      workspace = uv2nix.lib.workspace.loadWorkspace { workspaceRoot = ./.; };

      # Prefer the wheels pinned in uv.lock: sdists would need build fixups that uv.lock cannot
      # describe (native libraries for asyncpg, cryptography, argon2-cffi, orjson).
      overlay = workspace.mkPyprojectOverlay { sourcePreference = "wheel"; };

      # Build fixups go here if a dependency ever needs one; none do today.
      pyprojectOverrides = _final: _prev: { };

      pythonSets = forAllSystems (
        system:
        let
          pkgs = nixpkgs.legacyPackages.${system};
        in
        # Python 3.11: the version pyproject targets (ruff, mypy) and CI runs.
        (pkgs.callPackage pyproject-nix.build.packages { python = pkgs.python311; }).overrideScope (
          lib.composeManyExtensions [
            pyproject-build-systems.overlays.wheel
            overlay
            pyprojectOverrides
          ]
        )
      );

      # The production virtualenv: the project and its runtime dependencies, no dev group.
      mkVenv = system: pythonSets.${system}.mkVirtualEnv "agrobridge-api-env" workspace.deps.default;

      version = (builtins.fromTOML (builtins.readFile ./pyproject.toml)).project.version;

      # The same virtualenv as an image, so what runs in a container is what `nix build` tested.
      # It matches containers/Containerfile's runtime stage: tini as PID 1, the same labels, user,
      # port, health check and stop signal, and the tag scripts/build-image.sh gives by default.
      mkImage =
        system:
        let
          pkgs = nixpkgs.legacyPackages.${system};
          venv = mkVenv system;
          uid = "10001";
        in
        pkgs.dockerTools.buildLayeredImage {
          name = "agrobridge-api";
          tag = version;
          # The venv comes in through the config's references; the CA bundle is for outbound TLS
          # (Sentry, a managed PostgreSQL).
          contents = [ pkgs.cacert ];
          # Python's tempfile and multiprocessing want a writable /tmp; the image has none.
          extraCommands = ''
            mkdir -p -m 1777 tmp
          '';
          config = {
            # tini as PID 1 forwards signals and reaps orphans; Sanic stops gracefully on SIGTERM.
            Entrypoint = [ "${pkgs.tini}/bin/tini" "--" "${venv}/bin/python" "-m" "api" ];
            Cmd = [ "serve" ];
            StopSignal = "SIGTERM";
            Labels = {
              "org.opencontainers.image.title" = "agrobridge-api";
              "org.opencontainers.image.description" = "AgroBridge farm-to-buyer traceability API";
              "org.opencontainers.image.licenses" = "Proprietary";
              "org.opencontainers.image.version" = version;
              "org.opencontainers.image.revision" = self.rev or self.dirtyRev or "unknown";
              "org.opencontainers.image.source" = "unknown";
              "org.opencontainers.image.base.name" = "nixpkgs";
            };
            # Not root: nothing in the image is writable by this uid except /tmp.
            User = "${uid}:${uid}";
            ExposedPorts."8000/tcp" = { };
            Env = [
              "AGROBRIDGE_HOST=0.0.0.0"
              "AGROBRIDGE_PORT=8000"
              "PATH=${venv}/bin"
              "SSL_CERT_FILE=${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt"
              "PYTHONUNBUFFERED=1"
            ];
            # Liveness is GET /api/v1/health (no dependency checked; /api/v1/health/ready checks
            # PostgreSQL and Redis). This is Docker's image-config field; the OCI image spec has
            # none, so runtimes that go by OCI (Kubernetes, podman with OCI images) may ignore it
            # and need their own probe on the same path.
            Healthcheck = {
              Test = [
                "CMD"
                "${venv}/bin/python"
                "-c"
                "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('AGROBRIDGE_PORT', '8000') + '/api/v1/health', timeout=3)"
              ];
              # Durations are in nanoseconds, as in Docker's image config.
              Interval = 30000000000;
              Timeout = 5000000000;
              StartPeriod = 10000000000;
              Retries = 3;
            };
          };
        };
    in
    {
      packages = forAllSystems (system: {
        default = mkVenv system;
        image = mkImage system;
      });

      # `nix flake check` builds the virtualenv and the image.
      checks = self.packages;

      # A shell where uv manages .venv from uv.lock (as `just sync` does everywhere else), with
      # the interpreter and the services the Justfile and the tests expect.
      devShells = forAllSystems (
        system:
        let
          pkgs = nixpkgs.legacyPackages.${system};
          python = pkgs.python311;
        in
        {
          default = pkgs.mkShell {
            packages = [
              python
              pkgs.uv
              pkgs.just
              pkgs.postgresql_16
              pkgs.redis
              pkgs.nginx
              pkgs.ansible
              pkgs.python3Packages.locust
              pkgs.ruff
              pkgs.shellcheck
              # What the edge, monitoring and benchmark tests drive.
              pkgs.pebble
              pkgs.certbot
              pkgs.prometheus
              pkgs.prometheus-alertmanager
              pkgs.prometheus-blackbox-exporter
              pkgs.wrk
              pkgs.hadolint
            ];
            shellHook = ''
              # uv must use Nix's Python and never download its own (it would not run on NixOS).
              export UV_PYTHON=${python.interpreter}
              export UV_PYTHON_DOWNLOADS=never
              # Nix Python packages in the shell (locust, ansible) export a PYTHONPATH that would
              # leak into the project's .venv.
              unset PYTHONPATH
              # Manylinux wheels that uv installs (asyncpg, orjson, cryptography) need these.
              export LD_LIBRARY_PATH=${lib.makeLibraryPath pkgs.pythonManylinuxPackages.manylinux1}''${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
            '';
          };
        }
      );

      formatter = forAllSystems (system: nixpkgs.legacyPackages.${system}.nixpkgs-fmt);
    };
}
