# Citations: a rule preceded by a `# source:` line was checked against the provider's documentation
# (or, where said, against a third party quoting the provider). A rule without one has a shape
# inferred from published samples and not yet checked against a documented format.
# ---------------- cloud ----------------
R('aws-access-key-id', 'AWS access key ID (long-term AKIA, temporary ASIA, and other IAM unique-ID prefixes)',
  ['AKIA','ASIA','ABIA','ACCA','A3T'], tok(r'(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)', r'[A-Z2-7]{16}'),
  ['aws configure set aws_access_key_id ⟦AKIA{216}⟧', 'export AWS_ACCESS_KEY_ID=⟦ASIA{216}⟧'],
  ['key id AKIAIOSFODNN7EXAMPLE from the docs', 'AKIA1234'])
R('aws-secret-access-key', 'AWS secret access key assigned to a recognisable name',
  ['aws_secret','secret_access_key','secretaccesskey','aws-secret'],
  r'(?i)(?:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key|aws-secret-access-key)(?:' + EQ + r'|\s+)([A-Za-z0-9/+]{40})' + END,
  ['aws_secret_access_key = ⟦{b40}⟧', '{"SecretAccessKey": "⟦{b40}⟧"}', 'aws configure set aws_secret_access_key ⟦{b40}⟧'],
  ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}'])
R('aws-session-token', 'AWS temporary session token', ['session_token','security_token','sessiontoken'],
  r'(?i)(?:aws_?session_?token|aws_?security_?token|sessiontoken)' + EQ + r'([A-Za-z0-9/+=]{100,})',
  ['AWS_SESSION_TOKEN=⟦IQoJb3JpZ2luX2VjE{b140}⟧'], ['AWS_SESSION_TOKEN=short{b20}'])
R('aws-mws-key', 'Amazon Marketplace Web Service auth token', ['amzn.mws.'],
  r'\b(amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b',
  ['mws_token: ⟦amzn.mws.{h8}-{h4}-{h4}-{h4}-{h12}⟧'], ['amzn.mws.1234'])
R('gcp-api-key', 'Google Cloud / Google AI (Gemini) API key', ['AIza'], tok('AIza', r'[0-9A-Za-z_-]{35}'),
  ['curl "https://generativelanguage.googleapis.com/v1/models?key=⟦AIza{u35}⟧"'], ['AIzaShort123'])
R('gcp-service-account-key-id', 'GCP service-account key file: private_key_id', ['private_key_id'],
  r'(?i)private_key_id' + EQ + r'([0-9a-f]{40})\b',
  ['{"type": "service_account", "private_key_id": "⟦{h40}⟧"}'], ['"private_key_id": "abc"'])
R('gcp-oauth-client-secret', 'Google OAuth client secret', ['GOCSPX-'], tok('GOCSPX-', r'[A-Za-z0-9_-]{28}'),
  ['"client_secret":"⟦GOCSPX-{u28}⟧"'], ['GOCSPX-short'])
R('google-oauth-access-token', 'Google OAuth 2.0 access token', ['ya29.'], r'\b(ya29\.[0-9A-Za-z_-]{30,})',
  ['Authorization: Bearer ⟦ya29.a0{u60}⟧'], ['ya29.short'])
R('google-oauth-refresh-token', 'Google OAuth 2.0 refresh token', ['1//0'], r'(?:^|[^A-Za-z0-9/:])(1//0[0-9A-Za-z_-]{40,})',
  ['"refresh_token": "⟦1//0{u60}⟧"'], ['path 1//0/abc'])
R('azure-storage-account-key', 'Azure storage account key in a connection string', ['AccountKey='],
  r'(?i)AccountKey=([A-Za-z0-9+/]{86}==)', ['DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=⟦{b86}==⟧;EndpointSuffix=core.windows.net'], ['AccountKey=abc=='])
R('azure-shared-access-key', 'Azure Service Bus / Event Hubs / IoT SharedAccessKey', ['SharedAccessKey='],
  r'(?i)SharedAccessKey=([A-Za-z0-9+/]{43}=)', ['Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=⟦{b43}=⟧'], ['SharedAccessKey=short='])
R('azure-sas-signature', 'Azure SAS token signature (sig=)', ['sig='],
  r'[?&]sv=\d{4}-\d\d-\d\d[^\s"\']*?&sig=([A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})',
  ['https://acct.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01&sig=⟦{A43}%3D⟧'], ['?sv=2022-11-02&sig=short'])
R('azure-ad-client-secret', 'Microsoft Entra ID (Azure AD) application client secret', ['Q~'],
  r'(?:^|[\'"\s=:>(])([a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\'"\s<),;])',
  ['AZURE_CLIENT_SECRET="⟦abc8Q~{A34}⟧"'], ['AZURE_CLIENT_SECRET="abc8Q~short"'])
R('azure-devops-pat', 'Azure DevOps personal access token (84-character format)', ['AZDO'],
  r'\b([0-9A-Za-z]{52}JQQJ9\d[0-9A-Za-z]{16}AZDO[0-9A-Za-z]{4})\b',
  ['git -c http.extraheader="AUTHORIZATION: basic" clone https://pat:⟦{A52}JQQJ99{A16}AZDO{A4}⟧@dev.azure.com/o/p'], ['AZDO build 12'])
R('azure-devops-pat-legacy', 'Azure DevOps legacy 52-character PAT in a named variable', ['AZURE_DEVOPS','ADO_PAT','SYSTEM_ACCESSTOKEN','AZDO_PAT'],
  ctx(r'azure_devops[\w]*(?:pat|token)|ado_pat|azdo_pat|system_accesstoken', r'[a-z2-7]{52}'),
  ['AZURE_DEVOPS_EXT_PAT=⟦{n52}⟧'], ['AZURE_DEVOPS_EXT_PAT=$(System.AccessToken)'])
R('azure-apim-subscription-key', 'Azure API Management subscription key header', ['Ocp-Apim-Subscription-Key'],
  r'(?i)Ocp-Apim-Subscription-Key\\?["\']?\s*[:=]\s*\\?["\']?([0-9a-f]{32})\b', ['-H "Ocp-Apim-Subscription-Key: ⟦{h32}⟧"'], ['Ocp-Apim-Subscription-Key: <key>'])
R('digitalocean-pat', 'DigitalOcean personal access token', ['dop_v1_'], tok('dop_v1_', '[a-f0-9]{64}'), ['DIGITALOCEAN_TOKEN=⟦dop_v1_{h64}⟧'], ['dop_v1_abc'])
R('digitalocean-oauth-token', 'DigitalOcean OAuth access token', ['doo_v1_'], tok('doo_v1_', '[a-f0-9]{64}'), ['token ⟦doo_v1_{h64}⟧'], ['doo_v1_'])
R('digitalocean-refresh-token', 'DigitalOcean OAuth refresh token', ['dor_v1_'], tok('dor_v1_', '[a-f0-9]{64}'), ['refresh ⟦dor_v1_{h64}⟧'], ['dor_v1_z'])
R('alibaba-access-key-id', 'Alibaba Cloud AccessKey ID', ['LTAI'], tok('LTAI', '[A-Za-z0-9]{20}'), ['ALIBABA_CLOUD_ACCESS_KEY_ID=⟦LTAI{A20}⟧'], ['LTAI short'])
R('heroku-api-key', 'Heroku platform API key (HRKU- format)', ['HRKU-'], tok('HRKU-', '[A-Za-z0-9_-]{60}'), ['HEROKU_API_KEY=⟦HRKU-AA{u58}⟧'], ['HRKU-abc'])
R('heroku-api-key-legacy', 'Heroku API key (UUID) in a named variable', ['heroku'],
  ctx(r'heroku[\w]*(?:api_?key|token|key)', r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'),
  ['HEROKU_API_KEY=⟦{h8}-{h4}-{h4}-{h4}-{h12}⟧'], ['HEROKU_APP_ID=0b6a3c4e-1f2d-4a5b-8c7d-9e0f1a2b3c4d'])
R('cloudflare-api-token', 'Cloudflare API token in a named variable', ['cloudflare','CF_API'],
  ctx(r'cloudflare[\w]*(?:token|key)|cf_api_(?:token|key)', r'[A-Za-z0-9_-]{40}'), ['CLOUDFLARE_API_TOKEN=⟦{u40}⟧'], ['CLOUDFLARE_ZONE_ID=abc'])
# source: https://docs.keeper.io/en/keeperpam/secrets-manager/about/secrets-manager-configuration
# (the KSM_CONFIG variable holds the client configuration as base64 JSON: client id, private key,
# app key); the body is whatever base64 the SDK wrote, so the variable's name is the anchor.
R('keeper-ksm-config', 'Keeper Secrets Manager client configuration (base64 JSON with the client and private keys) in KSM_CONFIG', ['ksm_config','ksmconfig'],
  ctx(r'ksm_?config', r'[A-Za-z0-9+/]{40,}={0,2}'), ['KSM_CONFIG=⟦{b160}⟧', '      KSM_CONFIG: ⟦{b120}⟧', '"ksmConfig": "⟦{b120}⟧"'], ['KSM_CONFIG=${KSM_CONFIG}', 'KSM_CONFIG=/etc/keeper/config.json'], kind='s')
R('cloudflare-global-api-key', 'Cloudflare global API key (37 hex) in a named variable', ['cloudflare','CF_API_KEY','X-Auth-Key'],
  ctx(r'cloudflare[\w]*key|cf_api_key|x-auth-key', r'[a-f0-9]{37}'), ['X-Auth-Key: ⟦{h37}⟧'], ['X-Auth-Key: $CF_KEY'])
R('cloudflare-origin-ca-key', 'Cloudflare Origin CA key', ['v1.0-'], r'\b(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})\b', ['⟦v1.0-{h24}-{h146}⟧'], ['v1.0-beta'])
R('flyio-token', 'Fly.io access token', ['fo1_','fm1','fm2_'], r'\b((?:fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3}))', ['FLY_API_TOKEN=⟦fo1_{u43}⟧'], ['fo1_short'])
R('vercel-token', 'Vercel access token', ['vercel','vcp_','vci_','vca_','vcr_','vck_'],
  r'(?i)(?:\b(vc[pikar]_[A-Za-z0-9]{24,60})\b|vercel[\w]*token' + EQ + r'([A-Za-z0-9]{24})' + END + ')',
  ['VERCEL_TOKEN=⟦{A24}⟧'], ['VERCEL_ORG_ID=team_x'], g=0)
R('netlify-token', 'Netlify personal access token', ['nfp_','netlify'], r'(?i)(?:\b(nfp_[A-Za-z0-9]{36})\b|netlify[\w]*token' + EQ + r'([A-Za-z0-9_-]{43,45})' + END + ')',
  ['NETLIFY_AUTH_TOKEN=⟦nfp_{A36}⟧'], ['nfp_abc'], g=0)
# source: https://developer.hashicorp.com/vault/docs/upgrading/upgrade-to-1.0.0 (s./b. service and batch
# token prefixes) and the Vault token docs (hvs./hvb. since 1.10; hvr. recovery tokens).
R('hashicorp-vault-token', 'HashiCorp Vault service/batch token', ['hvs.','hvb.','hvr.'], r'\b(hv[sbr]\.[A-Za-z0-9_-]{24,})', ['VAULT_TOKEN=⟦hvs.CAESI{u90}⟧'], ['hvs.short'])
R('hashicorp-vault-token-legacy', 'HashiCorp Vault legacy s. token in a named variable', ['vault_token','x-vault-token'],
  ctx(r'vault_token|x-vault-token', r's\.[A-Za-z0-9]{24}'), ['export VAULT_TOKEN=⟦s.{A24}⟧'], ['VAULT_TOKEN_FILE=/run/token'])
R('terraform-cloud-token', 'Terraform Cloud / HCP Terraform API token', ['atlasv1'], r'\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})\b', ['token = "⟦{A14}.atlasv1.{u67}⟧"'], ['x.atlasv1.y'])
R('pulumi-access-token', 'Pulumi access token', ['pul-'], tok('pul-', '[a-f0-9]{40}'), ['PULUMI_ACCESS_TOKEN=⟦pul-{h40}⟧'], ['pul-abc'])
# source: https://docs.doppler.com/reference/api (CLI, personal, service, service-account, SCIM tokens);
# prefixes dp.ct. dp.pt. dp.st. dp.sa. as the Doppler integrations of Nango and Dokploy document them.
R('doppler-token', 'Doppler CLI/personal/service/service-account token', ['dp.pt.','dp.st.','dp.ct.','dp.sa.','dp.scim.','dp.audit.'], r'\b(dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9_]{40,44})\b', ['DOPPLER_TOKEN=⟦dp.st.{A43}⟧', 'DOPPLER_TOKEN=⟦dp.sa.{A43}⟧'], ['dp.st.abc'])
R('scaleway-access-key', 'Scaleway access key ID', ['SCW'], r'\b(SCW[A-Z0-9]{17})\b', ['SCW_ACCESS_KEY=⟦SCW{U17}⟧'], ['SCWX'])
R('supabase-access-token', 'Supabase personal access token / secret key', ['sbp_','sb_secret_'], r'\b((?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{31,}))', ['SUPABASE_ACCESS_TOKEN=⟦sbp_{h40}⟧'], ['sbp_abc'])
R('planetscale-token', 'PlanetScale service token / password / OAuth token', ['pscale_'], r'\b(pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{32,64})', ['PLANETSCALE_SERVICE_TOKEN=⟦pscale_tkn_{u43}⟧'], ['pscale_tkn_'])
R('databricks-token', 'Databricks personal access token', ['dapi'], r'\b(dapi[a-f0-9]{32}(?:-\d)?)\b', ['DATABRICKS_TOKEN=⟦dapi{h32}⟧'], ['dapi123'])
R('grafana-cloud-token', 'Grafana Cloud API token', ['glc_'], r'\b(glc_[A-Za-z0-9+/]{32,400}={0,2})', ['GRAFANA_TOKEN=⟦glc_eyJ{A80}⟧'], ['glc_x'])
R('grafana-service-account-token', 'Grafana service account token', ['glsa_'], r'\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})\b', ['⟦glsa_{A32}_{h8}⟧'], ['glsa_x'])
R('newrelic-user-api-key', 'New Relic user API key', ['NRAK-'], tok('NRAK-', '[A-Z0-9]{27}'), ['NEW_RELIC_API_KEY=⟦NRAK-{U27}⟧'], ['NRAK-1'])
R('newrelic-insert-key', 'New Relic insights insert key', ['NRII-'], tok('NRII-', '[A-Za-z0-9_-]{32}'), ['⟦NRII-{u32}⟧'], ['NRII-1'])
R('newrelic-browser-key', 'New Relic browser API token', ['NRJS-'], tok('NRJS-', '[a-f0-9]{19}'), ['⟦NRJS-{h19}⟧'], ['NRJS-1'])
# source: https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/ (license keys end in NRAL; query keys NRIQ-; admin keys NRAA-)
R('newrelic-license-key', 'New Relic ingest license key (40 characters ending in NRAL)', ['nral'], r'(?:^|[^A-Za-z0-9])([a-fA-F0-9]{36}NRAL)(?:[^A-Za-z0-9]|$)', ['NEW_RELIC_LICENSE_KEY=⟦{h36}NRAL⟧'], ['NRAL'])
R('newrelic-query-admin-key', 'New Relic insights query key / admin key', ['NRIQ-','NRAA-'], tok('(?:NRIQ-|NRAA-)', '[A-Za-z0-9_-]{27,32}'), ['⟦NRIQ-{u32}⟧', '⟦NRAA-{h27}⟧'], ['NRIQ-1'])
R('datadog-api-key', 'Datadog API or application key in a named variable', ['datadog','dd_api','dd_app','dd-api-key','dd-application-key'],
  ctx(r'datadog[\w]*(?:api|app|application)[\w]*key|dd_(?:api|app|application)_?key|dd-(?:api|application)-key', r'[a-f0-9]{32}|[a-f0-9]{40}'),
  ['DD_API_KEY=⟦{h32}⟧', '-H "DD-APPLICATION-KEY: ⟦{h40}⟧"'], ['DD_API_KEY=${DD_API_KEY}'])
R('sentry-auth-token', 'Sentry organization / user auth token', ['sntrys_','sntryu_'], r'\b((?:sntrys_eyJ[A-Za-z0-9+/=_-]{50,}|sntryu_[a-f0-9]{64}))', ['SENTRY_AUTH_TOKEN=⟦sntryu_{h64}⟧'], ['sntryu_abc'])
# source: https://docs.dynatrace.com/docs/manage/identity-access-management/access-tokens-and-oauth-clients/access-tokens (dt0c01 classic, dt0s* platform; bodies in either case)
R('dynatrace-token', 'Dynatrace API / platform token', ['dt0c01.','dt0s'], r'\b(dt0(?:c01|s\d\d)\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64})\b', ['⟦dt0c01.{U24}.{U64}⟧', '⟦dt0c01.{a24}.{a64}⟧', '⟦dt0s16.{U24}.{U64}⟧'], ['dt0c01.x'])
R('linode-token', 'Linode/Akamai API token in a named variable', ['linode'], ctx(r'linode[\w]*token', r'[a-f0-9]{64}'), ['LINODE_TOKEN=⟦{h64}⟧'], ['LINODE_REGION=eu-west'])
R('ibm-cloud-api-key', 'IBM Cloud API key in a named variable', ['ibmcloud_api_key','ibm_cloud_api_key','ic_api_key'], ctx(r'ibm_?cloud_api_key|ic_api_key', r'[A-Za-z0-9_-]{44}'), ['IBMCLOUD_API_KEY=⟦{u44}⟧'], ['IBMCLOUD_API_KEY='])
R('oracle-cloud-fingerprint-key', 'OCI API signing key passphrase in config', ['pass_phrase'], ctx(r'pass_phrase', r'[^\s"\']{6,}'), ['pass_phrase=⟦{A16}⟧'], ['pass_phrase=${OCI_PASS}'], ent=2.5)
# ---------------- code hosts ----------------
# source: https://github.blog/changelog/2021-03-31-authentication-token-format-updates-are-generally-available
# (prefixes ghp_ gho_ ghu_ ghs_ ghr_, charset [A-Za-z0-9_], "plan to support tokens up to 255 characters"):
# 36 characters after the prefix today, up to 251 accepted so a longer token is not let through whole.
for pfx, what in [('ghp_','personal access token (classic)'),('gho_','OAuth access token'),('ghu_','GitHub App user-to-server token'),('ghs_','GitHub App installation (server-to-server) token'),('ghr_','refresh token')]:
    R('github-' + {'ghp_':'pat','gho_':'oauth','ghu_':'app-user-token','ghs_':'app-installation-token','ghr_':'refresh-token'}[pfx], 'GitHub ' + what, [pfx], tok(pfx, '[A-Za-z0-9]{36,251}'),
      ['git clone https://x-access-token:⟦' + pfx + '{A36}⟧@github.com/o/r.git', '{"env": {"GITHUB_TOKEN": "⟦' + pfx + '{A36}⟧"}}'], [pfx + 'tooShort123'])
R('github-fine-grained-pat', 'GitHub fine-grained personal access token', ['github_pat_'], tok('github_pat_', '[A-Za-z0-9]{22}_[A-Za-z0-9]{59}'),
  ['GH_TOKEN=⟦github_pat_11{A20}_{A59}⟧'], ['github_pat_short'])
# source: https://docs.gitlab.com/administration/settings/account_and_limit_settings/#personal-access-token-prefix
# (glpat- default prefix; newer tokens carry a payload, a version and a CRC separated by dots)
R('gitlab-pat', 'GitLab personal / project / group access token', ['glpat-'], r'\b(glpat-[A-Za-z0-9_.-]{20,})', ['PRIVATE-TOKEN: ⟦glpat-{u20}⟧'], ['glpat-short'])
R('gitlab-deploy-token', 'GitLab deploy token', ['gldt-'], r'\b(gldt-[A-Za-z0-9_-]{20,})', ['⟦gldt-{u20}⟧'], ['gldt-x'])
R('gitlab-pipeline-trigger-token', 'GitLab pipeline trigger token', ['glptt-'], tok('glptt-', '[A-Fa-f0-9]{40}'), ['curl -F token=⟦glptt-{h40}⟧ https://gitlab.com/api/v4/projects/1/trigger/pipeline'], ['glptt-x'])
R('gitlab-runner-token', 'GitLab runner authentication token', ['glrt-'], r'\b(glrt-(?:t\d_)?[A-Za-z0-9_-]{20,})', ['token = "⟦glrt-{u20}⟧"'], ['glrt-'])
R('gitlab-runner-registration-token', 'GitLab runner registration token (legacy)', ['GR1348941'], r'\b(GR1348941[A-Za-z0-9_-]{20})\b', ['gitlab-runner register --registration-token ⟦GR1348941{u20}⟧'], ['GR1348941'])
R('gitlab-cicd-job-token', 'GitLab CI/CD job token', ['glcbt-'], r'\b(glcbt-[A-Za-z0-9_-]{20,})', ['⟦glcbt-64_{u20}⟧'], ['glcbt-'])
R('gitlab-feed-token', 'GitLab feed token', ['glft-'], r'\b(glft-[A-Za-z0-9_-]{20})\b', ['?feed_token=⟦glft-{u20}⟧'], ['glft-'])
R('gitlab-incoming-mail-token', 'GitLab incoming mail token', ['glimt-'], r'\b(glimt-[A-Za-z0-9_-]{25})\b', ['⟦glimt-{u25}⟧'], ['glimt-'])
R('gitlab-agent-token', 'GitLab Kubernetes agent token', ['glagent-'], r'\b(glagent-[A-Za-z0-9_-]{50,})', ['⟦glagent-{u50}⟧'], ['glagent-'])
R('gitlab-oauth-secret', 'GitLab OAuth application secret', ['gloas-'], r'\b(gloas-[A-Za-z0-9_-]{64})\b', ['⟦gloas-{u64}⟧'], ['gloas-'])
R('gitlab-scim-token', 'GitLab SCIM OAuth token', ['glsoat-'], r'\b(glsoat-[A-Za-z0-9_-]{20})\b', ['⟦glsoat-{u20}⟧'], ['glsoat-'])
R('gitlab-feature-flag-token', 'GitLab feature flags client token', ['glffct-'], r'\b(glffct-[A-Za-z0-9_-]{20})\b', ['⟦glffct-{u20}⟧'], ['glffct-'])
R('bitbucket-app-password', 'Bitbucket app password', ['ATBB'], r'\b(ATBB[A-Za-z0-9_=.-]{32})\b', ['BITBUCKET_APP_PASSWORD=⟦ATBB{A32}⟧'], ['ATBB'])
R('atlassian-api-token', 'Atlassian (Jira, Confluence, Bitbucket) API token', ['ATATT3','ATCTT3','ATSTT3'], r'\b((?:ATATT3|ATCTT3|ATSTT3)[A-Za-z0-9_=-]{150,})', ['JIRA_API_TOKEN=⟦ATATT3xFfGF0{A180}⟧'], ['ATATT3xFfGF0'])
R('atlassian-api-token-legacy', 'Atlassian legacy 24-character API token in a named variable', ['jira','confluence','atlassian'],
  ctx(r'(?:jira|confluence|atlassian)[\w]*(?:token|key)', r'[A-Za-z0-9]{24}'), ['JIRA_API_TOKEN=⟦{A24}⟧'], ['JIRA_URL=https://x.atlassian.net'])
R('bitbucket-client-secret', 'Bitbucket OAuth consumer secret in a named variable', ['bitbucket'],
  ctx(r'bitbucket[\w]*secret', r'[A-Za-z0-9_=-]{32,64}'), ['BITBUCKET_CLIENT_SECRET=⟦{A32}⟧'], ['BITBUCKET_CLIENT_ID=abc'])
R('gitea-token', 'Gitea / Forgejo access token in a named variable', ['gitea','forgejo'], ctx(r'(?:gitea|forgejo)[\w]*token', r'[a-f0-9]{40}'), ['GITEA_TOKEN=⟦{h40}⟧'], ['GITEA_URL=https://git.example.org'])
R('sourcegraph-token', 'Sourcegraph access token', ['sgp_'], r'\b(sgp_(?:[a-f0-9]{16}_)?[a-f0-9]{40})\b', ['SRC_ACCESS_TOKEN=⟦sgp_{h16}_{h40}⟧'], ['sgp_'])
# ---------------- AI providers ----------------
R('openai-api-key', 'OpenAI API key (legacy, project, service-account, admin)', ['T3BlbkFJ'],
  r'\b(sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,120}T3BlbkFJ[A-Za-z0-9_-]{20,120})' + END,
  ['OPENAI_API_KEY=⟦sk-proj-{u58}T3BlbkFJ{u58}⟧', '{"api_key": "⟦sk-{A20}T3BlbkFJ{A20}⟧"}'], ['sk-T3BlbkFJ'])
R('openai-api-key-prefixed', 'OpenAI project/service-account/admin key without the legacy marker', ['sk-proj-','sk-svcacct-','sk-admin-'],
  r'\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200})' + END, ['OPENAI_API_KEY=⟦sk-proj-{u120}⟧'], ['sk-proj-...'])
R('anthropic-api-key', 'Anthropic API key', ['sk-ant-api'], r'\b(sk-ant-api\d\d-[A-Za-z0-9_-]{80,120})' + END,
  ['ANTHROPIC_API_KEY=⟦sk-ant-api03-{u93}AA⟧', '-H "x-api-key: ⟦sk-ant-api03-{u93}AA⟧"'], ['sk-ant-api03-...'])
R('anthropic-admin-key', 'Anthropic admin API key', ['sk-ant-admin'], r'\b(sk-ant-admin\d\d-[A-Za-z0-9_-]{80,120})' + END, ['⟦sk-ant-admin01-{u93}AA⟧'], ['sk-ant-admin01-'])
R('anthropic-oauth-token', 'Anthropic (Claude) OAuth access or refresh token', ['sk-ant-oat','sk-ant-ort'], r'\b(sk-ant-o[ar]t\d\d-[A-Za-z0-9_-]{80,120})' + END, ['CLAUDE_CODE_OAUTH_TOKEN=⟦sk-ant-oat01-{u93}AA⟧'], ['sk-ant-oat01-'])
R('huggingface-token', 'Hugging Face user access token', ['hf_'], r'\b(hf_[A-Za-z]{34})\b', ['HF_TOKEN=⟦hf_{l34}⟧'.replace('{l34}','{L10}{l24}')], ['hf_hub_download'])
R('huggingface-org-token', 'Hugging Face organization API token', ['api_org_'], r'\b(api_org_[A-Za-z]{34})\b', ['⟦api_org_{L10}{l24}⟧'], ['api_org_name'])
R('replicate-api-token', 'Replicate API token', ['r8_'], tok('r8_', '[A-Za-z0-9]{37}'), ['REPLICATE_API_TOKEN=⟦r8_{A37}⟧'], ['r8_abc'])
R('groq-api-key', 'Groq API key', ['gsk_'], tok('gsk_', '[A-Za-z0-9]{52}'), ['GROQ_API_KEY=⟦gsk_{A52}⟧'], ['gsk_abc'])
R('perplexity-api-key', 'Perplexity API key', ['pplx-'], tok('pplx-', '[A-Za-z0-9]{48}'), ['PPLX_API_KEY=⟦pplx-{A48}⟧'], ['pplx-abc'])
R('xai-api-key', 'xAI (Grok) API key', ['xai-'], tok('xai-', '[A-Za-z0-9]{80}'), ['XAI_API_KEY=⟦xai-{A80}⟧'], ['xai-org'])
R('openrouter-api-key', 'OpenRouter API key', ['sk-or-'], tok('sk-or-v1-', '[a-f0-9]{64}'), ['OPENROUTER_API_KEY=⟦sk-or-v1-{h64}⟧'], ['sk-or-v1-abc'])
R('fireworks-api-key', 'Fireworks AI API key', ['fw_'], tok('fw_', '[A-Za-z0-9]{24}'), ['FIREWORKS_API_KEY=⟦fw_{A24}⟧'], ['fw_version'])
R('langsmith-api-key', 'LangSmith API key / personal token', ['lsv2_'], r'\b(lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})\b', ['LANGCHAIN_API_KEY=⟦lsv2_pt_{h32}_{h10}⟧'], ['lsv2_pt_'])
R('pinecone-api-key', 'Pinecone API key', ['pcsk_'], r'\b(pcsk_[A-Za-z0-9_]{50,})', ['PINECONE_API_KEY=⟦pcsk_{A6}_{A60}⟧'], ['pcsk_x'])
R('cerebras-api-key', 'Cerebras API key', ['csk-'], tok('csk-', '[a-z0-9]{48}'), ['CEREBRAS_API_KEY=⟦csk-{a48}⟧'], ['csk-x'])
R('mistral-api-key', 'Mistral AI API key in a named variable', ['mistral'], ctx(r'mistral[\w]*(?:api_?key|token)', r'[A-Za-z0-9]{32}'), ['MISTRAL_API_KEY=⟦{A32}⟧'], ['MISTRAL_MODEL=mistral-large'])
R('cohere-api-key', 'Cohere API key in a named variable', ['cohere','co_api_key'], ctx(r'cohere[\w]*(?:api_?key|token)|co_api_key', r'[A-Za-z0-9]{40}'), ['COHERE_API_KEY=⟦{A40}⟧'], ['COHERE_MODEL=command-r'])
R('deepseek-api-key', 'DeepSeek API key in a named variable', ['deepseek'], ctx(r'deepseek[\w]*(?:api_?key|token)', r'sk-[a-f0-9]{32}'), ['DEEPSEEK_API_KEY=⟦sk-{h32}⟧'], ['DEEPSEEK_BASE_URL=https://api.deepseek.com'])
R('together-api-key', 'Together AI API key in a named variable', ['together'], ctx(r'together[\w]*(?:api_?key|token)', r'(?:tgp_v1_)?[A-Za-z0-9_-]{40,64}'), ['TOGETHER_API_KEY=⟦{h64}⟧'], ['TOGETHER_MODEL=llama'])
R('elevenlabs-api-key', 'ElevenLabs API key', ['elevenlabs','xi-api-key'], ctx(r'elevenlabs[\w]*(?:api_?key|token)|xi-api-key', r'(?:sk_)?[a-f0-9]{32,48}'), ['ELEVENLABS_API_KEY=⟦sk_{h48}⟧'], ['ELEVENLABS_VOICE=rachel'])
R('wandb-api-key', 'Weights & Biases API key', ['wandb_api_key','wandb'], ctx(r'wandb_api_key|wandb[\w]*key', r'[a-f0-9]{40}|[A-Za-z0-9_-]{86}'), ['WANDB_API_KEY=⟦{h40}⟧'], ['WANDB_PROJECT=demo'])
R('assemblyai-api-key', 'AssemblyAI API key in a named variable', ['assemblyai'], ctx(r'assemblyai[\w]*(?:api_?key|token)', r'[a-f0-9]{32}'), ['ASSEMBLYAI_API_KEY=⟦{h32}⟧'], ['ASSEMBLYAI_MODEL=best'])
R('deepgram-api-key', 'Deepgram API key in a named variable', ['deepgram'], ctx(r'deepgram[\w]*(?:api_?key|token)', r'[a-f0-9]{40}'), ['DEEPGRAM_API_KEY=⟦{h40}⟧'], ['DEEPGRAM_MODEL=nova'])
R('azure-openai-api-key', 'Azure OpenAI / Cognitive Services key in a named variable', ['azure_openai','cognitive','azure_ai'], ctx(r'azure_openai[\w]*key|cognitive[\w]*key|azure_ai[\w]*key', r'[a-f0-9]{32}|[A-Za-z0-9]{84}'), ['AZURE_OPENAI_API_KEY=⟦{h32}⟧'], ['AZURE_OPENAI_ENDPOINT=https://x.openai.azure.com'])
R('voyage-api-key', 'Voyage AI API key', ['voyage'], ctx(r'voyage[\w]*(?:api_?key|token)', r'pa-[A-Za-z0-9_-]{43}'), ['VOYAGE_API_KEY=⟦pa-{u43}⟧'], ['VOYAGE_MODEL=voyage-3'])
R('stability-api-key', 'Stability AI API key', ['stability'], ctx(r'stability[\w]*(?:api_?key|token)', r'sk-[A-Za-z0-9]{48}'), ['STABILITY_API_KEY=⟦sk-{A48}⟧'], ['STABILITY_ENGINE=sdxl'])
# ---------------- payments ----------------
# source: https://docs.stripe.com/keys (sk_/rk_ secret and restricted keys, _live_/_test_); lengths up
# to 128 per Stripe's security team as quoted in https://gitlab.com/gitlab-org/gitlab/-/issues/458019
R('stripe-secret-key', 'Stripe secret or restricted key', ['sk_live_','sk_test_','rk_live_','rk_test_'], tok(r'(?:sk|rk)_(?:live|test)_', '[A-Za-z0-9]{24,128}'),
  ['STRIPE_SECRET_KEY=⟦sk_live_{A24}⟧', 'curl https://api.stripe.com/v1/charges -u ⟦sk_test_{A99}⟧:'], ['pk_live_{A24}', 'sk_test_short'])
R('stripe-webhook-secret', 'Stripe webhook signing secret', ['whsec_'], tok('whsec_', '[A-Za-z0-9+/=]{32,}'), ['STRIPE_WEBHOOK_SECRET=⟦whsec_{A32}⟧'], ['whsec_'])
R('paypal-braintree-token', 'PayPal Braintree access token', ['access_token$'], r'(access_token\$(?:production|sandbox)\$[a-z0-9]{16}\$[a-f0-9]{32})', ['⟦access_token$production${a16}${h32}⟧'], ['access_token$production$'])
R('square-access-token', 'Square access token', ['EAAA','sq0atp-'], r'\b((?:EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22}))\b', ['SQUARE_ACCESS_TOKEN=⟦EAAA{u60}⟧'], ['EAAA'])
R('square-oauth-secret', 'Square OAuth application secret', ['sq0csp-'], tok('sq0csp-', '[A-Za-z0-9_-]{43}'), ['⟦sq0csp-{u43}⟧'], ['sq0csp-'])
R('razorpay-key', 'Razorpay API key secret in a named variable', ['razorpay'], ctx(r'razorpay[\w]*(?:secret|key_secret)', r'[A-Za-z0-9]{24}'), ['RAZORPAY_KEY_SECRET=⟦{A24}⟧'], ['RAZORPAY_KEY_ID=rzp_live_abc'])
R('plaid-access-token', 'Plaid access token', ['access-production-','access-development-','access-sandbox-'], r'\b(access-(?:production|development|sandbox)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})\b', ['"access_token": "⟦access-production-{h8}-{h4}-{h4}-{h4}-{h12}⟧"'], ['access-production-'])
R('plaid-secret', 'Plaid client secret in a named variable', ['plaid'], ctx(r'plaid[\w]*secret', r'[a-f0-9]{30}'), ['PLAID_SECRET=⟦{h30}⟧'], ['PLAID_ENV=sandbox'])
R('flutterwave-secret-key', 'Flutterwave secret key', ['FLWSECK'], r'\b(FLWSECK(?:_TEST)?-[a-h0-9]{32}-X)', ['⟦FLWSECK-{h32}-X⟧'], ['FLWSECK-'])
R('gocardless-token', 'GoCardless API token', ['gocardless'], ctx(r'gocardless[\w]*(?:token|key)', r'(?:live|sandbox)_[A-Za-z0-9_=-]{40}'), ['GOCARDLESS_ACCESS_TOKEN=⟦live_{u40}⟧'], ['GOCARDLESS_ENV=live'])
R('adyen-api-key', 'Adyen API key in a named variable', ['adyen'], ctx(r'adyen[\w]*(?:api_?key|key)', r'AQE[A-Za-z0-9+/=_-]{60,}'), ['ADYEN_API_KEY=⟦AQE{u100}⟧'], ['ADYEN_MERCHANT=acct'])
R('coinbase-api-secret', 'Coinbase API secret in a named variable', ['coinbase'], ctx(r'coinbase[\w]*secret', r'[A-Za-z0-9+/=]{32,88}'), ['COINBASE_API_SECRET=⟦{b64}⟧'], ['COINBASE_API_URL=https://api.coinbase.com'])
R('shopify-access-token', 'Shopify Admin API / custom app / private app / shared secret', ['shpat_','shpca_','shppa_','shpss_'], r'\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b', ['X-Shopify-Access-Token: ⟦shpat_{h32}⟧'], ['shpat_abc'])
R('shippo-api-token', 'Shippo API token', ['shippo_'], r'\b(shippo_(?:live|test)_[a-f0-9]{40})\b', ['⟦shippo_live_{h40}⟧'], ['shippo_live_'])
R('easypost-api-key', 'EasyPost API key', ['EZAK','EZTK'], r'\b(EZ[AT]K[a-zA-Z0-9]{54})\b', ['⟦EZAK{A54}⟧'], ['EZAK'])
R('duffel-api-token', 'Duffel API token', ['duffel_'], r'\b(duffel_(?:test|live)_[A-Za-z0-9_=-]{43})', ['⟦duffel_live_{u43}⟧'], ['duffel_live_'])
# ---------------- chat, mail, SaaS ----------------
# source: https://api.slack.com/authentication/token-types (bot, user, app-level, configuration tokens);
# prefixes xoxb-/xoxp- per https://api.slack.com/methods/oauth.v2.exchange, xoxe refresh tokens per the
# tooling.tokens.rotate method. The digit-group lengths are inferred from samples.
R('slack-bot-token', 'Slack bot token', ['xoxb-'], r'\b(xoxb-[0-9]{10,13}-(?:[0-9]{10,13}-?)?[A-Za-z0-9]{24,34})\b', ['SLACK_BOT_TOKEN=⟦xoxb-{d12}-{d13}-{A24}⟧'], ['xoxb-your-token'])
R('slack-user-token', 'Slack user / legacy workspace token', ['xoxp-','xoxa-','xoxs-','xoxo-'], r'\b(xox[pasor]-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-f0-9]{32})\b', ['⟦xoxp-{d12}-{d12}-{d13}-{h32}⟧'], ['xoxp-1-2-3'])
R('slack-refresh-token', 'Slack rotating (xoxe) token', ['xoxe'], r'\b(xoxe(?:\.xox[bp])?-\d-[A-Z0-9]{146,170})\b', ['⟦xoxe.xoxp-1-{U156}⟧'], ['xoxe-1-'])
R('slack-app-token', 'Slack app-level token', ['xapp-'], r'\b(xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{64})\b', ['SLACK_APP_TOKEN=⟦xapp-1-A{U10}-{d13}-{h64}⟧'], ['xapp-1-'])
R('slack-config-token', 'Slack configuration access token', ['xoxe.xoxp','xoxe.xoxb'], r'\b(xoxe\.xox[bp]-\d-[A-Za-z0-9]{160,170})\b', ['⟦xoxe.xoxb-1-{A163}⟧'], ['xoxe.xoxb-1'])
R('slack-webhook-url', 'Slack incoming webhook / workflow URL', ['hooks.slack.com'], r'(https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})', ['curl -X POST ⟦https://hooks.slack.com/services/T{U8}/B{U10}/{A24}⟧'], ['https://hooks.slack.com/services/T000/B000/XXXX'])
R('discord-webhook-url', 'Discord webhook URL', ['discord.com/api/webhooks','discordapp.com/api/webhooks'], r'(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[A-Za-z0-9_-]{60,68})', ['⟦https://discord.com/api/webhooks/{d18}/{u68}⟧'], ['https://discord.com/api/webhooks/123/abc'])
R('discord-bot-token', 'Discord bot token in a named variable', ['discord'], ctx(r'discord[\w]*token', r'[MNO][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,38}'), ['DISCORD_TOKEN=⟦M{A23}.{A6}.{u27}⟧'], ['DISCORD_GUILD=1234'])
R('telegram-bot-token', 'Telegram Bot API token', [':AA'], r'(?:^|[^0-9A-Za-z]|bot)(\d{8,10}:AA[A-Za-z0-9_-]{33})(?:[^A-Za-z0-9_-]|$)', ['curl https://api.telegram.org/bot⟦{d10}:AA{u33}⟧/getMe'], ['12:AA'])
R('teams-webhook-url', 'Microsoft Teams incoming webhook URL', ['webhook.office.com'], r'(https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/[a-z0-9-]{36}@[a-z0-9-]{36}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9-]{36}(?:/[A-Za-z0-9_-]+)?)',
  ['⟦https://contoso.webhook.office.com/webhookb2/{h8}-{h4}-{h4}-{h4}-{h12}@{h8}-{h4}-{h4}-{h4}-{h12}/IncomingWebhook/{h32}/{h8}-{h4}-{h4}-{h4}-{h12}⟧'], ['https://contoso.webhook.office.com/webhookb2/'])
R('twilio-api-key', 'Twilio API key SID', ['twilio'], ctx(r'twilio[\w]*(?:api_?key|key_?sid|sid)', r'SK[0-9a-fA-F]{32}'), ['TWILIO_API_KEY=⟦SK{h32}⟧'], ['TWILIO_API_KEY=SKxxxx'])
R('twilio-auth-token', 'Twilio auth token / API secret in a named variable', ['twilio'], ctx(r'twilio[\w]*(?:auth_?token|secret)', r'[a-f0-9]{32}'), ['TWILIO_AUTH_TOKEN=⟦{h32}⟧'], ['TWILIO_ACCOUNT_SID=AC00000000'])
R('sendgrid-api-key', 'SendGrid API key', ['SG.'], r'\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})\b', ['SENDGRID_API_KEY=⟦SG.{u22}.{u43}⟧'], ['SG.abc.def'])
R('mailgun-api-key', 'Mailgun private API key', ['key-','mailgun'], r'(?i)(?:\b(key-[a-f0-9]{32})\b|mailgun[\w]*key' + EQ + r'([a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8})' + END + ')', ['MAILGUN_API_KEY=⟦key-{h32}⟧'], ['key-value'], g=0)
R('mailgun-webhook-signing-key', 'Mailgun webhook signing key', ['mailgun'], ctx(r'mailgun[\w]*signing[\w]*key', r'[a-h0-9]{32}'), ['MAILGUN_WEBHOOK_SIGNING_KEY=⟦{h32}⟧'], ['MAILGUN_DOMAIN=mg.example.org'])
R('mailchimp-api-key', 'Mailchimp API key', ['-us'], r'\b([a-f0-9]{32}-us\d{1,2})\b', ['MAILCHIMP_API_KEY=⟦{h32}-us21⟧'], ['mode-us2'])
R('mandrill-api-key', 'Mandrill (Mailchimp Transactional) API key', ['mandrill'], ctx(r'mandrill[\w]*key', r'md-[A-Za-z0-9_-]{22}'), ['MANDRILL_API_KEY=⟦md-{u22}⟧'], ['MANDRILL_FROM=x'])
R('postmark-server-token', 'Postmark server token in a named variable', ['postmark','x-postmark-server-token'], ctx(r'postmark[\w]*token|x-postmark-server-token', r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'), ['POSTMARK_SERVER_TOKEN=⟦{h8}-{h4}-{h4}-{h4}-{h12}⟧'], ['POSTMARK_FROM=a@b.c'])
R('brevo-api-key', 'Brevo (Sendinblue) API / SMTP key', ['xkeysib-','xsmtpsib-'], r'\b(x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16})\b', ['⟦xkeysib-{h64}-{A16}⟧'], ['xkeysib-'])
R('resend-api-key', 'Resend API key', ['resend'], ctx(r'resend[\w]*(?:api_?key|key)', r're_[A-Za-z0-9_]{30,40}'), ['RESEND_API_KEY=⟦re_{A8}_{A24}⟧'], ['RESEND_FROM=a@b.c'])
# source: npm_ + 36 (30 random base62 + a 6-character CRC32), from GitHub's changelog "npm has a new access
# token format" as quoted in https://github.com/secretlint/secretlint/issues/200; docs.npmjs.com/about-access-tokens
# does not state the shape.
R('npm-access-token', 'npm access token', ['npm_'], tok('npm_', '[A-Za-z0-9]{36}'), ['//registry.npmjs.org/:_authToken=⟦npm_{A36}⟧'], ['npm_config_cache'])
R('npmrc-auth', 'npm legacy _auth / _password credential', ['_auth','_password'], r'(?i)(?:^|[\s:])(?:_auth|_password)\s*=\s*["\']?([A-Za-z0-9+/]{8,}={0,2})\s*["\']?(?:$|\s)', ['//registry.example.com/:_auth=⟦{b32}==⟧'], ['_auth=${NPM_AUTH}'])
# source: the pypi- prefix is PyPI's (https://pypi.org/help/#apitoken); the AgEIcHlwaS5vcmc continuation
# is the base64 of the macaroon's "pypi.org" location header, inferred from samples.
R('pypi-token', 'PyPI upload token', ['pypi-AgEIcHlwaS5vcmc'], r'\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})', ['TWINE_PASSWORD=⟦pypi-AgEIcHlwaS5vcmc{u140}⟧'], ['pypi-AgEIcHlwaS5vcmc'])
R('pypi-test-token', 'TestPyPI upload token', ['pypi-AgENdGVzdC5weXBp'], r'\b(pypi-AgENdGVzdC5weXBp[A-Za-z0-9_-]{50,})', ['⟦pypi-AgENdGVzdC5weXBpLm9yZw{u140}⟧'], ['pypi-AgENdGVzdC5weXBp'])
R('dockerhub-pat', 'Docker Hub personal / organization access token', ['dckr_pat_','dckr_oat_'], r'\b(dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,})', ['echo ⟦dckr_pat_{u27}⟧ | docker login -u me --password-stdin'], ['dckr_pat_'])
R('rubygems-api-key', 'RubyGems API key', ['rubygems_'], tok('rubygems_', '[a-f0-9]{48}'), ['GEM_HOST_API_KEY=⟦rubygems_{h48}⟧'], ['rubygems_version'])
R('nuget-api-key', 'NuGet.org API key', ['oy2'], r'\b(oy2[a-z0-9]{43})\b', ['dotnet nuget push p.nupkg --api-key ⟦oy2{a43}⟧'], ['oy2abc'])
R('crates-io-token', 'crates.io API token', ['cio'], r'\b(cio[A-Za-z0-9]{32})\b', ['CARGO_REGISTRY_TOKEN=⟦cio{A32}⟧'], ['cioabc'])
R('artifactory-api-key', 'JFrog Artifactory API key / reference token', ['AKCp','cmVmdGtu'], r'\b((?:AKCp[A-Za-z0-9]{69}|cmVmdGtuOjAxOj[A-Za-z0-9]{40,}))\b', ['ARTIFACTORY_API_KEY=⟦AKCp{A69}⟧'], ['AKCp'])
R('clojars-token', 'Clojars deploy token', ['CLOJARS_'], r'\b(CLOJARS_[a-z0-9]{60})\b', ['⟦CLOJARS_{a60}⟧'], ['CLOJARS_USERNAME'])
R('linear-api-key', 'Linear API key', ['lin_api_'], tok('lin_api_', '[A-Za-z0-9]{40}'), ['LINEAR_API_KEY=⟦lin_api_{A40}⟧'], ['lin_api_'])
R('linear-oauth-token', 'Linear OAuth access token', ['lin_oauth_'], tok('lin_oauth_', '[a-f0-9]{64}'), ['⟦lin_oauth_{h64}⟧'], ['lin_oauth_'])
R('notion-token', 'Notion integration token', ['secret_','ntn_'], r'\b((?:ntn_\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43}))\b', ['NOTION_TOKEN=⟦ntn_{d11}{A35}⟧', 'NOTION_KEY=⟦secret_{A43}⟧'], ['secret_santa'])
R('airtable-pat', 'Airtable personal access token', ['pat'], r'\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b', ['AIRTABLE_TOKEN=⟦pat{A14}.{h64}⟧'], ['pattern.match'])
R('figma-token', 'Figma personal access token', ['figd_'], r'\b(figd_[A-Za-z0-9_-]{40,})', ['X-Figma-Token: ⟦figd_{u40}⟧'], ['figd_'])
R('postman-api-key', 'Postman API key', ['PMAK-'], r'\b(PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b', ['⟦PMAK-{h24}-{h34}⟧'], ['PMAK-'])
R('okta-api-token', 'Okta API token', ['SSWS','okta'], r'(?i)(?:SSWS\s+|okta[\w]*token' + EQ + r')(00[A-Za-z0-9_-]{40})' + END, ['Authorization: SSWS ⟦00{u40}⟧'], ['SSWS ${OKTA_TOKEN}'])
R('typeform-token', 'Typeform personal access token', ['tfp_'], r'\b(tfp_[A-Za-z0-9_=.-]{59})', ['⟦tfp_{u59}⟧'], ['tfp_'])
R('mapbox-secret-token', 'Mapbox secret access token (sk.)', ['sk.eyJ'], r'\b(sk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,})', ['MAPBOX_TOKEN=⟦sk.eyJ{u60}.{u22}⟧'], ['pk.eyJ1IjoibWFwYm94IiwiYSI6ImNpejY4M29iazA2Z2gycXA4N2pmbDZmangifQ.-g_vE53SD2WrJ6tFX7QHmA'])
R('contentful-token', 'Contentful personal access token', ['CFPAT-'], r'\b(CFPAT-[A-Za-z0-9_-]{43})', ['⟦CFPAT-{u43}⟧'], ['CFPAT-'])
R('dropbox-token', 'Dropbox short-lived access token', ['sl.'], r'\b(sl\.(?:u\.)?[A-Za-z0-9_-]{130,})', ['DROPBOX_TOKEN=⟦sl.{u140}⟧'], ['sl.short'])
R('frameio-token', 'Frame.io API token', ['fio-u-'], r'\b(fio-u-[A-Za-z0-9_=-]{64})', ['⟦fio-u-{u64}⟧'], ['fio-u-'])
R('readme-api-key', 'ReadMe API key', ['rdme_'], tok('rdme_', '[a-z0-9]{70}'), ['⟦rdme_{a70}⟧'], ['rdme_'])
R('prefect-api-key', 'Prefect API key', ['pnu_'], tok('pnu_', '[A-Za-z0-9]{36}'), ['PREFECT_API_KEY=⟦pnu_{A36}⟧'], ['pnu_'])
R('buildkite-token', 'Buildkite API access token', ['bkua_'], tok('bkua_', '[a-f0-9]{40}'), ['⟦bkua_{h40}⟧'], ['bkua_'])
R('circleci-token', 'CircleCI personal API token', ['CCIPAT_'], r'\b(CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40})\b', ['CIRCLE_TOKEN=⟦CCIPAT_{A22}_{h40}⟧'], ['CCIPAT_'])
R('sonarqube-token', 'SonarQube / SonarCloud token', ['sqp_','squ_','sqa_'], r'\b(sq[pua]_[a-f0-9]{40})\b', ['SONAR_TOKEN=⟦squ_{h40}⟧'], ['squ_'])
R('snyk-token', 'Snyk API token in a named variable', ['snyk'], ctx(r'snyk[\w]*(?:token|api_?key)', r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'), ['SNYK_TOKEN=⟦{h8}-{h4}-{h4}-{h4}-{h12}⟧'], ['SNYK_ORG=acme'])
R('codecov-token', 'Codecov upload token in a named variable', ['codecov'], ctx(r'codecov[\w]*token', r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'), ['CODECOV_TOKEN=⟦{h8}-{h4}-{h4}-{h4}-{h12}⟧'], ['CODECOV_FLAGS=unit'])
R('octopus-deploy-api-key', 'Octopus Deploy API key', ['API-'], r'\b(API-[A-Z0-9]{26})\b', ['OCTOPUS_API_KEY=⟦API-{U26}⟧'], ['API-VERSION'])
R('harness-pat', 'Harness personal / service account token', ['pat.','sat.'], r'\b((?:pat|sat)\.[A-Za-z0-9_-]{22}\.[a-f0-9]{24}\.[A-Za-z0-9]{20})\b', ['⟦pat.{u22}.{h24}.{A20}⟧'], ['pat.x'])
R('onepassword-service-token', '1Password service account token', ['ops_eyJ'], r'\b(ops_eyJ[A-Za-z0-9+/=_-]{250,})', ['OP_SERVICE_ACCOUNT_TOKEN=⟦ops_eyJ{u260}⟧'], ['ops_eyJ'])
R('onepassword-secret-key', '1Password account secret key', ['A3-'], r'\b(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\b', ['⟦A3-{U6}-{U11}-{U5}-{U5}-{U5}⟧'], ['A3-paper'])
R('twitter-bearer-token', 'Twitter/X API bearer token', ['AAAAAAAAAAAAAAAAAAAAA'], r'\b(A{21}[A-Za-z0-9%]{79,})', ['TWITTER_BEARER_TOKEN=⟦AAAAAAAAAAAAAAAAAAAAA{A90}⟧'], ['AAAAAAAAAAAAAAAAAAAAAA'], autoneg=False)
R('facebook-access-token', 'Facebook / Meta Graph API access token', ['EAAC','EAAG','EAAB'], r'\b(EAA[BCG][A-Za-z0-9]{100,})', ['FB_ACCESS_TOKEN=⟦EAAG{A150}⟧'], ['EAAGx'])
R('algolia-admin-key', 'Algolia admin/write API key in a named variable', ['algolia'], ctx(r'algolia[\w]*(?:admin|write|api)[\w]*key', r'[a-f0-9]{32}'), ['ALGOLIA_ADMIN_KEY=⟦{h32}⟧'], ['ALGOLIA_APP_ID=ABC'])
R('launchdarkly-token', 'LaunchDarkly SDK key / API token', ['launchdarkly','ld_sdk_key'], ctx(r'launchdarkly[\w]*(?:key|token)|ld_sdk_key', r'(?:sdk|api)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}'), ['LAUNCHDARKLY_SDK_KEY=⟦sdk-{h8}-{h4}-{h4}-{h4}-{h12}⟧'], ['LAUNCHDARKLY_ENV=prod'])
R('zendesk-api-token', 'Zendesk API token in a named variable', ['zendesk'], ctx(r'zendesk[\w]*(?:token|key)', r'[A-Za-z0-9]{40}'), ['ZENDESK_API_TOKEN=⟦{A40}⟧'], ['ZENDESK_SUBDOMAIN=acme'])
R('pagerduty-api-key', 'PagerDuty REST API key in a named variable', ['pagerduty'], ctx(r'pagerduty[\w]*(?:token|key)', r'u\+[A-Za-z0-9_+-]{18}|[A-Za-z0-9_+-]{20}'), ['PAGERDUTY_TOKEN=⟦u+{A18}⟧'], ['PAGERDUTY_SERVICE=P12'])
R('confluent-api-secret', 'Confluent Cloud API secret in a named variable', ['confluent'], ctx(r'confluent[\w]*secret', r'[A-Za-z0-9+/]{64}'), ['CONFLUENT_CLOUD_API_SECRET=⟦{b64}⟧'], ['CONFLUENT_ENV=env-1'])
R('fastly-api-token', 'Fastly API token in a named variable', ['fastly'], ctx(r'fastly[\w]*(?:token|key)', r'[A-Za-z0-9_-]{32}'), ['FASTLY_API_TOKEN=⟦{u32}⟧'], ['FASTLY_SERVICE_ID=abc'])
R('salesforce-access-token', 'Salesforce session / access token', ['00D'], r'\b(00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{80,})', ['Authorization: Bearer ⟦00D{A15}!{A96}⟧'], ['00D!'])
R('yandex-api-key', 'Yandex Cloud API key / IAM token', ['AQVN','t1.'], r'\b((?:AQVN[A-Za-z0-9_-]{35,38}|t1\.[A-Z0-9a-z_-]+[=]{0,2}\.[A-Z0-9a-z_-]{86}[=]{0,2}))', ['YC_API_KEY=⟦AQVN{u36}⟧'], ['AQVN'])
R('age-secret-key', 'age encryption secret key', ['AGE-SECRET-KEY-1'], r'(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})',
  ['⟦AGE-SECRET-KEY-1QQPZRY9X8GF2TVDW0S3JN54KHCE6MUA7LQPZRY9X8GF2TVDW0S3JN54KHC⟧'], ['AGE-SECRET-KEY-1...'], autoneg=False)
R('sentry-dsn-secret', 'Sentry legacy DSN with secret key', ['sentry.io','ingest'], r'https://[a-f0-9]{32}:([a-f0-9]{32})@[a-z0-9.-]*sentry', ['SENTRY_DSN=https://{h32}:⟦{h32}⟧@o1.ingest.sentry.io/1'], ['SENTRY_DSN=https://{h32}@o1.ingest.sentry.io/1'])
R('firebase-cloud-messaging-key', 'Firebase Cloud Messaging server key', ['AAAA'], r'\b(AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134})', ['FCM_SERVER_KEY=⟦AAAA{u7}:APA91b{u134}⟧'], ['AAAA:APA91b'])
R('kubernetes-bootstrap-token', 'Kubernetes bootstrap token', ['kubeadm','--token'], r'(?i)(?:kubeadm\s+join\b[^\n]{0,200}?--token[=\s]+|token-secret:\s*)([a-z0-9]{6}\.[a-z0-9]{16})\b', ['kubeadm join 10.0.0.1:6443 --token ⟦{a6}.{a16}⟧ --discovery-token-ca-cert-hash sha256:{h64}'], ['kubeadm join --token abcdef'])
# ---------------- structural ----------------
# Whole key blocks: the BEGIN and END lines go too (they say what the key is, and a half-redacted
# block is still a key file). The body may hold header lines (Proc-Type: 4,ENCRYPTED), escaped
# newlines (JSON: \n, doubly escaped: \\n) or be split across string concatenation
# ("…\n" +\n "…"). Without an END line the body runs as far as key material does.
# Armor headers between the BEGIN line and the body (`Version: GnuPG v2`, `Comment: Alice <a@b.c>`,
# `Proc-Type: 4,ENCRYPTED`): any text up to the end of their line.
ARMOR = r'(?:(?:\r?\n|\\+(?:r\\+)?n)[A-Za-z][A-Za-z0-9-]{0,40}: [^\r\n\\]*)*'
PEM_PIECE = r'(?:[A-Za-z0-9+/=:,.\s-]|\\+[nrt]|\\*"(?:\s|\\+[nrt])*\+(?:\s|\\+[nrt])*\\*"|\\*"\s*\\*\n\s*\\*")'
for kid, label, desc in [('rsa','RSA PRIVATE KEY','RSA private key (PKCS#1 PEM)'), ('ec','EC PRIVATE KEY','EC private key (SEC1 PEM)'), ('dsa','DSA PRIVATE KEY','DSA private key (PEM)'),
                         ('pkcs8','PRIVATE KEY','PKCS#8 private key (PEM), as in GCP service-account key files'), ('encrypted','ENCRYPTED PRIVATE KEY','encrypted PKCS#8 private key (PEM)'),
                         ('openssh','OPENSSH PRIVATE KEY','OpenSSH private key'), ('pgp','PGP PRIVATE KEY BLOCK','PGP/GPG private key block')]:
    body = '{b64}\n{b64}\n{b48}=='
    head = '-----BEGIN ' + label + '-----'
    R('private-key-' + kid, desc, ['BEGIN ' + label + '-----'],
      '(' + head + ARMOR + PEM_PIECE + '*?[A-Za-z0-9+/]{32}' + PEM_PIECE + '*?-----END ' + label + '-----|' + head + ARMOR + PEM_PIECE + '{64,})',
      ['⟦' + head + '\n' + body + '\n-----END ' + label + '-----⟧', '{"private_key": "⟦' + head + '\\n{b64}\\n{b64}\\n-----END ' + label + '-----⟧\\n"}',
       'String k = "⟦' + head + '\\n" +\n  "{b64}\\n" +\n  "{b64}\\n" +\n  "-----END ' + label + '-----⟧";']
      + (['⟦' + head + '\nVersion: GnuPG v2\nComment: User-ID: Alice <alice@corp.net> (work)\n\nZ2EzmS06PyLCFkC6Yoevs4kW8J99M2u4nJY3yubJX9Jj3K42JnapLdmRVhXyt4et\nxhZ4UGcKRI4BbDRc/e6IFHaE5jKbdvoNWyE38+u3Kb/KcZjs+y3xgKktCRwFK3mv\n0WsU72yhFiRPngFhVCKFZzPmyfkOozZxQYtn08MgWvCxeewOIb3dt5nHvyab8Ggf\n=Qk7z\n-----END ' + label + '-----⟧'] if kid == 'pgp' else []),
      ['-----BEGIN ' + label + '-----\n...\n-----END ' + label + '-----', 'grep -r "BEGIN ' + label + '-----" .']
      + (['-----BEGIN ' + label + '-----\nComment: see https://x.org <a@b.c>\n\n...\n-----END ' + label + '-----'] if kid == 'pgp' else []), kind='s', win='block', g=0)
R('private-key-putty', 'PuTTY private key file', ['Private-Lines:'], r'Private-Lines: \d+(?:\r?\n|(?:\\r)?\\n)((?:[A-Za-z0-9+/=]+(?:\r?\n|(?:\\r)?\\n))*[A-Za-z0-9+/=]+)(?:\r?\n|(?:\\r)?\\n)Private-MAC', ['PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 1\n⟦{b64}⟧\nPrivate-MAC: {h64}'], ['Private-Lines: 1\n...'], kind='s', win='keyblock')
R('jwt', 'JSON Web Token (also Kubernetes service-account tokens, Supabase keys, …)', ['eyJ'], START + r'(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})',
  ['Authorization: Bearer ⟦eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{u80}.{u86}⟧'],
  ['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', 'eyJhbGciOiJIUzI1NiJ9 only a header'],
  kind='s', allow=['SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'])
R('authorization-header', 'HTTP Authorization header with a scheme and credentials (any scheme: Bearer, Basic, SharedKey, Klaviyo-API-Key …)', ['authorization'],
  r'(?i)\b(?:proxy-)?authorization\\?["\']?\s*[:=]\s*\\?["\']?(?:[a-z][a-z0-9_.-]{1,40})\s+([^\s"\'\\,;]{8,})',
  ['curl -H "Authorization: Bearer ⟦{u40}⟧" https://api.internal', '{"headers": {"Authorization": "Basic ⟦{b28}=⟧"}}', '-H "Authorization: SharedKey ⟦acct:{A20}⟧"', "-H 'Authorization: Klaviyo-API-Key ⟦pk_{h34}⟧'"],
  ['Authorization: Bearer <token>', 'Authorization: Bearer $TOKEN', 'the authorization header is required', 'Authorization: Bearer ${{ secrets.TOKEN }}'], kind='s')
R('authorization-header-raw', 'HTTP Authorization header carrying a bare token', ['authorization'],
  r'(?i)\b(?:proxy-)?authorization\\?["\']?\s*[:=]\s*\\?["\']?([A-Za-z0-9._~+/-]{20,}={0,2})(?:$|[\\"\'\s,;])', ['Authorization: ⟦{A40}⟧'], ['Authorization: Bearer'], ent=3.0, kind='s')
R('api-key-header', 'HTTP API-key header (X-API-Key, PRIVATE-TOKEN, x-goog-api-key, …)',
  ['x-api-key','x-auth-token','x-access-token','private-token','x-goog-api-key','x-vault-token','x-gitlab-token','x-rapidapi-key','x-functions-key','x-api-token','x-apikey','api-key:','apikey:','x-jfrog-art-api','anthropic-api-key','x-shopify-access-token','x-figma-token'],
  r'(?i)\b(?:x-api-key|x-auth-token|x-access-token|private-token|x-goog-api-key|x-vault-token|x-gitlab-token|x-rapidapi-key|x-functions-key|x-api-token|x-apikey|api-key|apikey|x-jfrog-art-api|anthropic-api-key|x-shopify-access-token|x-figma-token)\\?["\']?\s*[:=]\s*\\?["\']?([^\s"\'\\,;]{12,})',
  ['curl -H "X-API-Key: ⟦{A32}⟧" https://api.example.net', '{"headers": {"x-goog-api-key": "⟦{u39}⟧"}}'], ['X-API-Key: ${API_KEY}', 'x-api-key: <your-api-key>', 'apiKey: config.apiKey,', 'apiKey: process.env.OPENAI_API_KEY'], kind='s', ent=2.5)
# ---------------- URLs with credentials ----------------
# Passwords may hold / + = @ # (the last @ before the host ends them); a port (`host:443/@scope`,
# `host:443/docs#x@y`) is not a password: a password holding `/` or `#` has a non-digit before
# the first of them; an all-digit password is followed by `@` directly.
URL_PW = r'://[^\s:/?#@\'"<>\\]{0,128}:((?:[^\s/?#@\'"<>\\]*[^\s0-9/?#@\'"<>\\][^\s?\'"<>\\]*?|[0-9]+))@[A-Za-z0-9.\[\]_-]+(?:[^A-Za-z0-9.\[\]_-]|$)'
for sid, schemes, kws, sample in [
    ('postgres', r'postgres(?:ql)?(?:\+[a-z0-9]+)?', ['postgres'], 'DATABASE_URL=postgresql://app:⟦{A16}⟧@db.internal:5432/app'),
    ('mysql', r'mysql(?:\+[a-z0-9]+)?|mariadb', ['mysql','mariadb'], 'mysql://root:⟦{A12}⟧@127.0.0.1:3306/shop'),
    ('mongodb', r'mongodb(?:\+srv)?', ['mongodb'], 'MONGO_URI="mongodb+srv://admin:⟦{A16}⟧@cluster0.ab1cd.mongodb.net/?retryWrites=true"'),
    ('redis', r'rediss?|valkey', ['redis','valkey'], 'REDIS_URL=redis://default:⟦{A20}⟧@cache.internal:6379/0'),
    ('amqp', r'amqps?', ['amqp'], 'BROKER_URL=amqp://guest:⟦{A14}⟧@rabbit:5672//'),
    ('mssql', r'mssql|sqlserver', ['mssql','sqlserver'], 'sqlserver://sa:⟦{A14}⟧@localhost:1433'),
    ('kafka', r'kafka|kafka\+ssl|sasl_ssl', ['kafka','sasl_ssl'], 'kafka://svc:⟦{A18}⟧@broker:9093'),
    ('nats', r'nats|tls', ['nats'], 'nats://user:⟦{A18}⟧@nats.internal:4222'),
    ('mqtt', r'mqtts?|ws|wss', ['mqtt','ws://','wss://'], 'mqtt://device:⟦{A18}⟧@broker.local:1883'),
    ('ldap', r'ldaps?', ['ldap'], 'ldaps://cn=admin:⟦{A14}⟧@ldap.corp:636'),
    ('clickhouse', r'clickhouse(?:\+[a-z]+)?', ['clickhouse'], 'clickhouse://default:⟦{A16}⟧@ch.internal:9000/db'),
    ('snowflake', r'snowflake', ['snowflake'], 'snowflake://analyst:⟦{A16}⟧@acme-xy12345/db'),
    ('couchdb', r'couchbases?|couchdb', ['couch'], 'couchbase://app:⟦{A16}⟧@cb.internal'),
    ('neo4j', r'neo4j(?:\+s|\+ssc)?|bolt', ['neo4j','bolt'], 'neo4j+s://neo4j:⟦{A16}⟧@abc123.databases.neo4j.io'),
    ('smtp', r'smtps?|submission', ['smtp'], 'EMAIL_URL=smtp://mailer:⟦{A16}⟧@smtp.mailgun.org:587'),
    ('ftp', r'ftps?|sftp', ['ftp'], 'curl ftp://backup:⟦{A12}⟧@files.corp/archive.tgz'),
]:
    R(sid + '-url-credentials', sid + ' connection URL with an embedded password', kws, r'(?i)\b(?:' + schemes + r')' + URL_PW, [sample],
      [sample.split('://')[0] + '://user:${DB_PASSWORD}@host/db', sample.split('://')[0] + '://user:password@localhost/db', sample.split('://')[0] + '://localhost:5432/db'], kind='s', autoneg=False)
R('url-userinfo-password', 'Any other URL with user:password@ (git remotes, registries, proxies)', ['://'], r'(?i)\b[a-z][a-z0-9+.-]{1,30}' + URL_PW,
  ['git remote add origin https://deploy:⟦{A20}⟧@git.corp.net/team/app.git', 'pip install --index-url https://__token__:⟦{A24}⟧@pypi.corp/simple pkg', 'HTTPS_PROXY=http://me:⟦hunter2!⟧@proxy:3128', 'git clone https://deploy:⟦Velvet9171#yT/x+y=⟧@git.corp.net/team/app.git', 'curl https://svc:⟦84629175⟧@api.corp/v1',
   'see [admin](https://admin:⟦Zq8rT2mW9xQ4vL⟧@internal.corp) now', '<https://admin:⟦Zq8rT2mW9xQ4vL⟧@internal.corp>',
   'prod,https://admin:⟦Zq8rT2mW9xQ4vL⟧@internal.corp,active', 'run `git clone https://admin:⟦Zq8rT2mW9xQ4vL⟧@git.corp`',
   'urls=https://admin:⟦Zq8rT2mW9xQ4vL⟧@internal.corp;https://x', 'a=https://admin:⟦Zq8rT2mW9xQ4vL⟧@host.corp|x',
   'https://:⟦Zq8rT2mW9xQ4vL⟧@proxy.corp:3128'],
  ['https://user:<password>@example.org', 'git clone https://4Qwb8DwkNhFdnXsiVpzz63FfkCzJr4i0:x-oauth-basic@github.com/o/r.git',
   'see [docs](https://example.org/a:b) now', '<https://internal.corp:8443/path>', 'https://git@github.com/org/repo', 'http://localhost:8080/path', 'https://${USER}:${PASS}@host',
   'npm config set registry https://registry.corp:443/@scope/pkg', 'see https://example.com:443/docs#contact@example.org'], kind='s', autoneg=False, allow=['x-oauth-basic'])
# GitHub's OAuth-over-HTTPS forms put the token in the user part: `https://<token>:x-oauth-basic@`
# (the literal password is public) and `https://<40 hex>@github.com`.
R('url-userinfo-token', 'URL with a token as its user part (https://<token>:x-oauth-basic@, https://<40 hex>@)', ['x-oauth-basic', '://'],
  r'(?i)\b[a-z][a-z0-9+.-]{1,30}://(?:([0-9a-f]{40})|([^\s:/?#@\'"<>\\]{8,255}):x-oauth-basic)@[A-Za-z0-9.\[\]_-]+(?:[^A-Za-z0-9.\[\]_-]|$)',
  ['git clone https://⟦4Qwb8DwkNhFdnXsiVpzz63FfkCzJr4i0⟧:x-oauth-basic@github.com/o/r.git', 'git clone https://⟦daeeb975729fae923d5a4fd12aabfe228f219e9c⟧@github.com/o/r.git',
   'REPO_URL=https://⟦7f3a9e1c5b2d8f4a6c0e9b7d3f5a1c8e2b4d6f0a⟧@git.corp/o/r.git'],
  ['https://git@github.com/o/r.git', 'https://github.com/o/r/commit/daeeb975729fae923d5a4fd12aabfe228f219e9c', 'https://$GITHUB_TOKEN:x-oauth-basic@github.com/o/r.git',
   'https://x-access-token@github.com/o/r.git'], g=0, kind='s', autoneg=False)
R('jdbc-password', 'JDBC URL with a password parameter', ['jdbc:'], r'(?i)jdbc:[a-z0-9]+:[^\s\'"]*?[;?&:]password=([^;&\s\'"]{3,200})',
  ['jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=⟦{A14}⟧;'], ['jdbc:postgresql://db/app?password=${DB_PASS}'], kind='s', autoneg=False)
R('connection-string-password', 'ADO.NET / ODBC connection string Password= or Pwd=', ['password=','pwd='], r'(?i)(?:^|[;"\'\s])(?:password|pwd)\s*=\s*([^;\'"\s]{3,200})\s*;',
  ['Server=tcp:db.windows.net,1433;User ID=app;Password=⟦{A16}⟧;Encrypt=True;'], ['Password={0};', 'Password=${SQL_PASSWORD};'], kind='s', autoneg=False)
# ---------------- command-line and assignment passwords ----------------
V = r'["\']?([^\s"\'$<>;|&`][^\s"\'<>;|&`]{2,200})'
R('cli-password-flag', 'Password or token passed as a command-line option (--password, --token, --api-key, …)',
  ['--password','--passwd','--pass','-password','--token','--api-key','--apikey','--secret','--client-secret','--access-token','--auth-token','--api-token','--secret-key','--access-key','--passphrase','--http-password','--ftp-password','--proxy-password','--db-password','--admin-password','--root-password','--pw'],
  r'(?i)(?:^|[\s"\'])--?(?:password|passwd|pass|pw|passphrase|token|api-?key|secret|client-secret|access-token|auth-token|api-token|secret-key|access-key|http-password|ftp-password|proxy-password|db-password|admin-password|root-password)(?:=|\s+)' + V,
  ['psql --host db --password=⟦Tr0ub4dor#3⟧', 'vault login --token ⟦{A26}⟧', 'mongosh --username admin --password ⟦{A12}⟧', 'wget --http-password=⟦s3cr3tPw⟧ https://files.corp/x', 'rclone config create r s3 --secret-key ⟦{b40}⟧'],
  ['docker login --password-stdin', 'helm install --set password=$PASSWORD', 'mysql --password', '--token-file /run/token', 'cmd --password "$DB_PASS"', 'gh auth login --token <token>'], kind='g', autoneg=False)
R('mysql-password-option', 'MySQL/MariaDB client password glued to -p (-pSECRET)', ['mysql','mariadb','mycli'],
  r'\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mysqlcheck|mariadb|mariadb-dump|mycli)\b[^\n|;&]{0,200}?\s-p["\']?([^\s"\'$<>;|&`-][^\s"\'<>;|&`]{1,200})',
  ['mysql -u root -p⟦hunter2⟧ -h db shop', "mysqldump -uroot -p'⟦S3cret!x⟧' --all-databases"], ['mysql -u root -p shop', 'mysql -P 3306 -h db', 'mysql -u root -p$MYSQL_PWD'], kind='g', autoneg=False)
R('docker-login-password', 'Registry password passed to docker/podman/helm login -p', ['login'],
  r'\b(?:docker|podman|nerdctl|buildah|skopeo|oras|helm\s+registry|crane\s+auth)\s+login\b[^\n|;&]{0,200}?\s-p\s*' + V,
  ['docker login -u ci -p ⟦{A20}⟧ registry.corp', 'podman login quay.io -u bot -p ⟦{A24}⟧'], ['docker login -u ci --password-stdin registry.corp', 'docker login -p $REGISTRY_PASSWORD'], kind='g', autoneg=False)
R('redis-cli-password', 'redis-cli password given with -a (also glued: -aPASSWORD)', ['redis-cli'], r'\bredis-cli\b[^\n|;&]{0,200}?\s-a\s*' + V,
  ['redis-cli -h cache -a ⟦{A16}⟧ PING', 'redis-cli -a ⟦hunter22⟧ --no-auth-warning info', 'redis-cli -h cache -a⟦Zq8rT2mW9xQ4vL⟧ ping'], ['redis-cli -h cache PING', 'redis-cli -a $REDIS_PASSWORD', 'redis-cli --askpass -h cache'], kind='g', autoneg=False)
R('curl-user-password', 'HTTP client basic-auth credentials on the command line (curl -u user:pw)', ['curl','wget','http ','xh ','httpie'],
  r'\b(?:curl|wget|http|https|xh|httpie)\b[^\n|;&]{0,300}?\s(?:-u|--user|--proxy-user|-U|--auth|-a)[\s=]*["\']?[^\s:"\'$]{1,100}:([^\s"\'@$<>][^\s"\'@<>]{2,200})',
  ['curl -u admin:⟦hunter2pw⟧ https://jenkins.corp/api/json', 'curl --user "deploy:⟦{A20}⟧" -X POST https://ci/x', 'http -a bob:⟦{A12}⟧ GET https://api'], ['curl -u admin https://x', 'curl -u "$USER:$PASS" https://x', 'curl -u user:<password> https://x'], kind='g', autoneg=False)
R('sshpass-password', 'sshpass -p password', ['sshpass'], r'\bsshpass\s+(?:-\w+\s+)*-p\s*' + V, ['sshpass -p ⟦{A12}⟧ ssh admin@10.0.0.5'], ['sshpass -e ssh host', 'sshpass -p "$SSHPASS" ssh host'], kind='g', autoneg=False)
R('archive-password', 'Archive password on the command line (zip -P, 7z -p, unrar -p)', ['zip','7z ','7za','7zz','rar'],
  r'\b(?:zip|unzip|7z|7za|7zz|rar|unrar)\b[^\n|;&]{0,120}?\s(?:-P\s+|-p)' + V, ['zip -P ⟦{A12}⟧ backup.zip db.sql', '7z a -p⟦{A14}⟧ out.7z dir'], ['zip -r out.zip dir', '7z a -p out.7z dir'], kind='g', autoneg=False)
R('openssl-passphrase', 'OpenSSL pass phrase argument (-passin/-passout/-pass pass:…)', ['pass:'], r'(?i)-(?:passin|passout|pass|password|k)\s+["\']?pass:([^\s"\']{3,200})',
  ['openssl pkcs12 -export -in c.pem -passout pass:⟦{A12}⟧ -out c.p12'], ['openssl rsa -passin env:KEY_PASS -in k.pem', 'openssl rsa -passin file:pw.txt'], kind='g', autoneg=False)
R('keytool-password', 'Java keytool / jarsigner store and key passwords', ['storepass','keypass'], r'(?i)-(?:storepass|keypass|srcstorepass|deststorepass|srckeypass|destkeypass)\s+["\']?([^\s"\'$<>:-][^\s"\'<>]{2,200})',
  ['keytool -importkeystore -srckeystore a.p12 -srcstorepass ⟦{A12}⟧ -destkeystore b.jks'], ['keytool -list -storepass changeit', 'keytool -storepass $STORE_PASS'], kind='g', autoneg=False)
R('ldap-bind-password', 'LDAP tools bind password (-w)', ['ldap'], r'\bldap(?:search|add|modify|delete|passwd|whoami|compare|modrdn)\b[^\n|;&]{0,200}?\s-w\s+' + V,
  ['ldapsearch -x -D cn=admin,dc=corp -w ⟦{A12}⟧ -b dc=corp'], ['ldapsearch -x -D cn=admin -W -b dc=corp'], kind='g', autoneg=False)
R('smb-user-password', 'SMB tools user%password', ['smbclient','rpcclient','smbmap','netexec','crackmapexec','nxc'], r'\b(?:smbclient|rpcclient|smbmap|crackmapexec|netexec|nxc|smbget)\b[^\n]{0,200}?(?:-U|--user(?:name)?=?)\s*["\']?[^\s%"\']+%([^\s"\']{3,200})',
  ['smbclient //fs/share -U admin%⟦{A12}⟧'], ['smbclient //fs/share -U admin'], kind='g', autoneg=False)
R('htpasswd-password', 'htpasswd batch-mode password (-b alone or among other options)', ['htpasswd'], r'\bhtpasswd\s+(?:-[a-zA-Z]+(?:\s+\d+)?\s+)*?-[a-zA-Z]*b[a-zA-Z]*\s+(?:-[a-zA-Z]+(?:\s+\d+)?\s+)*[^\s-]\S*\s+\S+\s+' + V,
  ['htpasswd -bc /etc/nginx/.htpasswd admin ⟦{A12}⟧', 'htpasswd -B -b .htpasswd user ⟦Zq8rT2mW9xQ4vL⟧', 'htpasswd -b -B -C 12 .htpasswd user ⟦Zq8rT2mW9xQ4vL⟧'], ['htpasswd -c /etc/nginx/.htpasswd admin', 'htpasswd -B -c .htpasswd admin'], kind='g', autoneg=False)
R('sql-password-literal', 'SQL statement setting a password (IDENTIFIED BY / PASSWORD \'…\')', ['identified by','password \''], r"(?i)\b(?:IDENTIFIED\s+(?:WITH\s+\w+\s+)?BY|PASSWORD)\s+'([^'\n]{3,200})'",
  ["psql -c \"ALTER USER app WITH PASSWORD '⟦{A14}⟧'\"", "mysql -e \"CREATE USER 'u'@'%' IDENTIFIED BY '⟦{A12}⟧'\""], ["ALTER USER app WITH PASSWORD ''", "CREATE USER u IDENTIFIED BY '<password>'"], kind='g', autoneg=False)
R('mongo-password-option', 'MongoDB tools password (-p)', ['mongo'], r'\b(?:mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport)\b[^\n|;&]{0,200}?\s-p\s+' + V,
  ['mongodump -u admin -p ⟦{A14}⟧ --authenticationDatabase admin'], ['mongosh -u admin -p', 'mongodump -u admin -p $MONGO_PW'], kind='g', autoneg=False)
R('password-piped-to-login', 'Password echoed into a --password-stdin / sudo -S login', ['--password-stdin','sudo'], r'\b(?:echo|printf)\s+(?:-n\s+)?(?:["\']%s(?:\\n)?["\']\s+)?["\']?([^\s"\'$|<>][^\s"\'|<>]{2,200})["\']?\s*\|\s*(?:sudo\s+-S\b|(?:sudo\s+)?[\w./-]+\s[^\n|]{0,200}?--password-stdin)',
  ['echo ⟦{A20}⟧ | docker login -u me --password-stdin ghcr.io', "echo '⟦hunter22⟧' | sudo -S apt-get update", "printf '%s' '⟦Zq8rT2mW9xQ4vL⟧' | docker login -u me --password-stdin"], ['echo "$CR_PAT" | docker login --password-stdin ghcr.io', 'cat pw.txt | docker login --password-stdin'], kind='g', autoneg=False)
R('az-login-password', 'Azure CLI login password / service-principal secret', ['az login'], r'\baz\s+login\b[^\n|;&]{0,200}?\s(?:-p|--password)\s+' + V, ['az login --service-principal -u http://app -p ⟦{A34}⟧ --tenant t'], ['az login --use-device-code', 'az login -p $AZ_SECRET'], kind='g', autoneg=False)
R('kubectl-from-literal', 'kubectl create secret --from-literal value', ['--from-literal'], r'--from-literal[=\s]["\']?[\w.-]+=' + V, ['kubectl create secret generic db --from-literal=password=⟦{A14}⟧'], ['kubectl create secret generic db --from-file=./pw', 'kubectl create secret generic db --from-literal=password=$PW'], kind='g', autoneg=False)
R('netrc-password', '.netrc machine entry password (one line or one token per line)', ['machine'], r'(?i)\bmachine[ \t]+(?:[^\s.\\]*\.[^\s\\]*|default|localhost)(?:\s|\\[nrt])+(?:(?:login|account|port)[ \t]+[^\s\\]+(?:\s|\\[nrt])+){0,3}password[ \t]+([^\s\\]{3,200})', ['machine api.heroku.com login me@corp.com password ⟦{A24}⟧', 'machine api.corp.net\n  login deploy\n  password ⟦{A24}⟧\n'], ['machine api.heroku.com login me@corp.com', 'machine learning password policy'], kind='g', autoneg=False, win='keyblock')
R('cli-password-env', 'Password environment variable read by a CLI (PGPASSWORD, MYSQL_PWD, REDISCLI_AUTH, SSHPASS, …)',
  ['PGPASSWORD','MYSQL_PWD','REDISCLI_AUTH','SSHPASS','BORG_PASSPHRASE','RESTIC_PASSWORD','RCLONE_CONFIG_PASS','ANSIBLE_VAULT_PASSWORD','PGPASS'],
  r'\b(?:PGPASSWORD|MYSQL_PWD|REDISCLI_AUTH|SSHPASS|BORG_PASSPHRASE|RESTIC_PASSWORD|RCLONE_CONFIG_PASS|ANSIBLE_VAULT_PASSWORD)\\?["\']?\s*[=:]\s*\\?["\']?([^\s"\'$<>;|&`\\][^\s"\'<>;|&`\\]{0,200})',
  ['PGPASSWORD=⟦hunter2⟧ psql -h db -U app', "MYSQL_PWD='⟦pw!{A6}⟧' mysql -u root", 'env REDISCLI_AUTH=⟦{A16}⟧ redis-cli'], ['PGPASSWORD=$DB_PASS psql', 'unset PGPASSWORD'], kind='g', autoneg=False)
# ---------------- issue 12: command lines, cookies, hashes, whole objects, more providers ----------------
V_NODASH = r'["\']?([^\s"\'$<>;|&`-][^\s"\'<>;|&`]{2,200})'
R('openssl-enc-k', 'openssl enc/des/aes password given with -k', ['openssl'], r'\bopenssl\b[^\n|;&]{0,200}?\s-k\s+' + V_NODASH,
  ['openssl enc -aes-256-cbc -salt -in db.sql -out db.enc -k ⟦{A14}⟧'], ['openssl enc -aes-256-cbc -kfile key.txt -in a', 'openssl enc -d -k $PASS -in a'], kind='g', autoneg=False)
R('sqlcmd-password', 'SQL Server client password (sqlcmd/bcp/osql -P)', ['sqlcmd','bcp ','osql'], r'\b(?:sqlcmd|bcp|osql)\b[^\n|;&]{0,200}?\s-P\s*' + V_NODASH,
  ['sqlcmd -S db.corp -U sa -P ⟦{A14}⟧ -Q "select 1"'], ['sqlcmd -S db -E -Q "select 1"', 'sqlcmd -S db -U sa -P $SA_PASSWORD'], kind='g', autoneg=False)
R('vault-login-token', 'Token given to vault login as an argument', ['vault login'], r'\bvault\s+login\b(?:\s+-[\w-]+(?:=\S+)?)*\s+(?:token=)?' + V_NODASH,
  ['vault login ⟦hvs.{A24}⟧', 'vault login -no-print ⟦s.{A24}⟧'], ['vault login -method=oidc', 'vault login $VAULT_TOKEN', 'vault login -'], kind='g', autoneg=False)
R('ssh-keygen-passphrase', 'Key passphrase given to ssh-keygen (-N new, -P old)', ['ssh-keygen'], r'\bssh-keygen\b[^\n|;&]{0,200}?\s-[NP]\s*' + V_NODASH,
  ["ssh-keygen -t ed25519 -N '⟦{A14}⟧' -f ~/.ssh/deploy"], ["ssh-keygen -t ed25519 -N '' -f k", 'ssh-keygen -p -P "$OLD" -N "$NEW" -f k'], kind='g', autoneg=False)
R('cookie-header', 'Cookie header or curl/wget cookie option (session cookies are credentials)', ['cookie','-b '],
  r'(?i)(?:\bcookie\\?["\']?\s*[:=]\s*\\?["\']?|(?:^|\s)(?:-b|--cookie|--header=cookie:)\s*\\?["\']?)((?:[^\s"\'\\=;]{1,64}=[^\s"\'\\;]{0,7};\s*)*[^\s"\'\\=;]{1,64}=[^\s"\'\\;]{8,}(?:;\s*[^\s"\'\\=;]{1,64}=[^\s"\'\\;]*)*)',
  ["curl -H 'Cookie: ⟦session={A20}; theme=dark⟧' https://app", 'curl -b "⟦sessionid={A24}⟧" https://app', 'Cookie: ⟦d=xoxd-{u80}⟧',
   'curl -H "Cookie: ⟦theme=dark; lang=en; session=Zq8rT2mW9xQ4vL7pK3nB6yH1dF5sA0gJ; n=1⟧" https://app', 'curl --cookie "⟦a=b;sid=Wvj7FAc9QeWJKY40uvSwMFLZ⟧" https://app', '{"Cookie": "⟦theme=dark; session=Zq8rT2mW9xQ4vL7pK3nB6yH1dF5sA0gJ⟧"}'],
  ['curl -b cookies.txt https://app', 'Cookie: theme=dark', 'set the cookie: name=value', 'Cookie: theme=dark; lang=en; tz=utc'], kind='s', autoneg=False)
# source: GitLab session cookie (_gitlab_session, 32 hex): https://docs.gitlab.com/ee/api/rest/authentication.html#session-cookie
R('gitlab-session-cookie', 'GitLab web session cookie', ['_gitlab_session'], r'_gitlab_session=([a-f0-9]{32})\b', ['curl --cookie "_gitlab_session=⟦{h32}⟧" https://gitlab.corp/api/v4/user'], ['_gitlab_session=abc'], kind='p')
# source: Slack browser session cookie "d" (xoxd-), used with xoxc- client tokens: https://api.slack.com/authentication/token-types
R('slack-session-token', 'Slack browser session cookie (xoxd-) and client token (xoxc-)', ['xoxd-','xoxc-'], r'\b(xox[dc]-[A-Za-z0-9%/+=_-]{40,})', ['SLACK_COOKIE=⟦xoxd-{u80}⟧', '⟦xoxc-{d12}-{d12}-{d13}-{h64}⟧'], ['xoxd-short'])
# Password hashes: crypt(3) families (man 5 crypt), bcrypt, argon2 (PHC string format), LDAP {SSHA},
# NTLM pwdump lines, Kerberos roast hashes (hashcat example-hashes formats 13100/18200).
R('password-hash-crypt', 'Password hash in crypt(3) format ($1$, $5$, $6$, $y$, $gy$, $7$, $apr1$, bcrypt $2b$, argon2)', ['$1$','$5$','$6$','$y$','$gy$','$7$','$apr1$','$2a$','$2b$','$2y$','$2x$','$argon2'],
  r'(?:^|[^A-Za-z0-9$]|\\[nrt])(\$(?:1|5|6|y|gy|7|apr1|md5|sha1)\$[./A-Za-z0-9=,$]{8,}|\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+)',
  ['root:⟦$6${a16}${A86}⟧:19700:0:99999:7:::', "htpasswd line admin:⟦$apr1${a8}${A22}⟧", '⟦$2b$12${A53}⟧', '⟦$argon2id$v=19$m=65536,t=3,p=4${b22}${b43}⟧', 'deploy:⟦$y$j9T${A22}${A43}⟧:19800:0:99999:7:::'],
  ["awk '{print $1$2}'", 'echo $6$', 'root:*:19700:0:99999:7:::'], kind='s', autoneg=False)
R('password-hash-ldap', 'LDAP userPassword hash ({SSHA}, {SSHA256}, {SSHA512}, {CRYPT})', ['{ssha','{crypt}'], r'(?i)(\{(?:SSHA(?:256|512)?|SMD5|CRYPT)\}[A-Za-z0-9+/=$.]{16,})', ['userPassword: ⟦{SSHA}{b32}⟧'], ['{SSHA}'], kind='s', autoneg=False)
R('password-hash-ntlm', 'NTLM hash in a pwdump/secretsdump line (user:rid:LM:NT:::)', [':::'], r'(?:^|\s)[^:\s]{1,64}:\d{1,10}:[a-fA-F0-9]{32}:([a-fA-F0-9]{32}):::', ['Administrator:500:aad3b435b51404eeaad3b435b51404ee:⟦{h32}⟧:::'], ['a:::b', 'fe80:::1'], kind='s', autoneg=False)
R('password-hash-kerberos', 'Kerberos roast hash (TGS-REP / AS-REP / pre-auth)', ['$krb5'], r'(\$krb5(?:tgs|asrep|pa)\$[^\s\'"]{40,})', ['⟦$krb5tgs$23$*svc$CORP.LOCAL$MSSQLSvc/db~1433*${h32}${h200}⟧'], ['$krb5tgs$'], kind='s', autoneg=False)
# source: https://developer.hashicorp.com/vault/docs/commands/operator/init (output: "Unseal Key N: <base64>", "Recovery Key N:")
R('vault-unseal-key', 'HashiCorp Vault unseal / recovery key share', ['unseal key','unseal_key','unseal-key','recovery key','recovery_key'], r'(?i)(?:unseal|recovery)[ _-]key(?:[ _-]?\d{1,2})?\\?["\']?\s*[:=]\s*\\?["\']?([A-Za-z0-9+/]{40,}={0,2})',
  ['Unseal Key 1: ⟦{b43}=⟧', 'VAULT_UNSEAL_KEY=⟦{b44}⟧'], ['Unseal Key 1: <key>', 'unseal key threshold: 3'], kind='p')
# A base64 line that goes on over the next lines (`base64` wraps at 76, PEM at 64, YAML indents them):
# a continuation line is base64 to its end (`$`), at least 16 characters of it (a last line
# followed by a quote), or a padded last line, so a following `  tls.crt: …` line is not taken.
# Line breaks may be escaped (JSON `\n`, `\u000a`) or percent-encoded (`%0A`, a key in a URL or form
# body), and so may `+` `/` `=` (`%2B` `%2F` `%3D`). A key starts at a word boundary or right after
# such an escape (`\nMIIE…`, `%0AMIIE…`), which is then redacted with it.
B64C = r'(?:[A-Za-z0-9+/]|%2[BbFf])'
BREAK = r'(?:\r?\n|\\+(?:r\\+)?n|(?:%0[Dd])?%0[Aa]|(?:\\u000[Dd])?\\u000[Aa])'
KEY_START = r'(?:\b|%0[AaDd]|%20|\\[nrt]|\\u00[0-9A-Fa-f]{2})'
PAD = r'(?:={1,2}|(?:%3[Dd]){1,2})'
B64_LINES = B64C + r'*(?:' + BREAK + r'[ \t]*(?:' + B64C + r'+={0,2}$|' + B64C + r'{16,}|' + B64C + r'+' + PAD + '))*' + PAD + '?'
# Whole PEM files base64-encoded (Kubernetes Secret data, CI variables): "-----BEGIN " encodes to
# LS0tLS1CRUdJTi when the file starts with it, and to …0tLS0tQkVHSU4g or …tLS0tLUJFR0lOI after one or
# two other bytes (a leading newline, a certificate before the key). The label is read by decoding
# (`filter.rs`, `decodes_to_private_key`): a certificate or public key is kept.
R('private-key-base64', 'Base64-encoded PEM private key, any label, however it is wrapped (Kubernetes secrets, CI variables)', ['ls0tls1crudjti','0tls0tqkvhsu4g','ls0tlujfr0loi'],
  r'(' + KEY_START + B64C + r'*(?:LS0tLS1CRUdJTi|0tLS0tQkVHSU4g|tLS0tLUJFR0lOI)' + B64_LINES + ')',
  ['tls.key: ⟦LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0t{b200}⟧',
   'key: ⟦Ci0tLS0tQkVHSU4gUFJJVkFURSBLRVktLS0tLQpNSUlFcENLUjJNM0RFRUVlZnNKemVLWmh5VFVZZkFmazFXTnVtOFBFQUxKeVJMak5PcGZ4R3VaUkJ3VUdwb29DCjhPRmhy⟧\n',
   'data:\n  tls.key: |\n    ⟦LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND\n    Qktnd2dnU2tBZ0VBQW9JQkFRQ2x5MEx4c0ZnT1E2YmFLVzN4R0ZrRW1JQWV3TTNBdDR6OWJWZm1u\n    RVhpK1hMaVh5ZUZLN2d6U3IxdHJ3WkVyYzBGV0lKdERCc0tQRzhyUXBtSkh0TTlFWjFNeFFvaWpX⟧\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM\n'],
  ['client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM', 'ca.crt: Ci0tLS0tQkVHSU4gQ0VSVElGSUNBVEUtLS0tLQpNSUlDL3pDQ0FlZWdBd0lCQWdJ'], kind='s', win='block', autoneg=False)
# A PEM private key's body without its BEGIN line (`tail -n +2 key.pem`, a pasted excerpt, a body
# wrapped at 64 columns with the BEGIN line cut off): the DER of every private-key format opens with
# bytes that no certificate or public key has (version INTEGER 0 or 1 right after the outer
# SEQUENCE, then the algorithm), so the first body line says what it is.
DER_KEY = (r'(?:MII[A-Za-z0-9+/]{2}[AQgw]IBAAK[BC]'                    # PKCS#1 RSA, DSA
           r'|MII[A-Za-z0-9+/]{2}[AQgw]IBADANBgkqhkiG9w0BAQEFAASC'    # PKCS#8 RSA
           r'|MI[GH][A-Za-z0-9+/]AgEAMB[A-Za-z0-9+/]GByqGSM49AgEG'    # PKCS#8 EC
           r'|MH[A-Za-z0-9+/]CAQEE[IJ]|MI[GH][A-Za-z0-9+/]AgEBB[DE]'  # SEC1 EC (P-256, secp256k1; P-384, P-521)
           r'|M[A-Za-z0-9+/]{2}CAQAwBQYDK2V[uvwx]'                    # PKCS#8 Ed25519, X25519, Ed448, X448
           r'|b3BlbnNzaC1rZXktdjEA)')                                 # OpenSSH ("openssh-key-v1\0")
R('private-key-der-base64', 'PEM private key body without its BEGIN line (recognised by the key formats\' DER opening bytes), through its END line if present',
  ['ibaak','ibadanbgkqhkig9w0baqefaasc','gbyqgsm49ageg','caqee','gebbd','gebbe','caqawbqydk2v','b3blbnnzac1rzxktdjea'],
  r'(' + KEY_START + DER_KEY + B64C + r'{24}' + B64_LINES + r'(?:(?:' + BREAK + r'[ \t]*' + B64C + r'+(?:={1,2}|(?:%3[Dd]){1,2})?)?' + BREAK + r'-----END(?:[ +]|%20)(?:[A-Z0-9 +]|%20){0,24}PRIVATE(?:[ +]|%20)KEY-----)?)',
  ['⟦MIIEpAIBAAKCAQEAy6rwhDByZ2EzmS06PyLCFkC6Yoevs4kW8J99M2u4nJY3yubJ\nX9Jj3K42JnapLdmRVhXyt4etxhZ4UGcKRI4BbDRc/e6IFHaE5jKbdvoNWyE38+u3\nKb/KcZjs+y3xgKktCRwFK3mv0WsU72yhFiRPngFhVCKFZzPmyfkOozZxQYtn08Mg\n-----END RSA PRIVATE KEY-----⟧\n',
   '{"k": "⟦MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwZ2EzmS06PyLCFkC6Yoevs4kW8J99M2u4nJY3yubJ\\nX9Jj3K42JnapLdmRVhXyt4etxhZ4UGcKRI4BbDRc/e6IFHaE5jKbdvoNWyE38+u3⟧\\n"}',
   'key ⟦MHcCAQEEINXWu+wWSPTS9Qh7Kb/KcZjs+y3xgKktCRwFK3mv0WsU72yhFiRPngFhVCKFZzPmyfkOozZxQYtn08Mg⟧ end',
   '⟦MC4CAQAwBQYDK2VwBCIEIK2U9zIKNptMGbliPd+cLIp7KvsKJwFCxe70dU7mUb+p⟧',
   '⟦b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBp5hTzxrwyCFL4Xd9q7QEvC9fyd7OEYfL3jodGo0vbawAAAJgG4c2sBuHN⟧\nnext line'],
  ['MIIC+TCCAeGgAwIBAgIUFkstnG4n14Kb/KcZjs+y3xgKktCRwFK3mv0WsU72yhFiRPngFhVCKFZzPmyfkOozZxQYtn08Mg',
   'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAy6rwhDByZ2EzmS06PyLCFkC6Yoevs4kW8J99M2u4nJY3yubJ',
   'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAElWHMKb/KcZjs+y3xgKktCRwFK3mv0WsU72yhFiRPngFhVCKFZzPmyfkO',
   'the key starts MIIEpAIBAAKCAQEA... in the docs'], kind='s', win='block', autoneg=False)
# source: AWS STS session tokens start with the base64 of their version header (IQoJb3JpZ2luX2Vj, "origin_ec"): https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html
R('aws-session-token-prefixed', 'AWS temporary session token (IQoJb3JpZ2luX2Vj… form)', ['IQoJb3JpZ2luX2Vj','FwoGZXIvYXdzE'], r'((?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9/+=]{100,})', ['AWS_SESSION_TOKEN=⟦IQoJb3JpZ2luX2Vj{b200}⟧'], ['IQoJb3JpZ2luX2Vj'])
# source: https://www.alibabacloud.com/help/en/ram/user-guide/create-an-accesskey-pair (LTAI ids) and STS: https://www.alibabacloud.com/help/en/ram/product-overview/what-is-sts ("STS." AccessKey ids)
R('alibaba-sts-access-key-id', 'Alibaba Cloud STS temporary AccessKey ID', ['STS.'], tok(r'STS\.', '[A-Za-z0-9]{20,32}'), ['ALIBABA_CLOUD_ACCESS_KEY_ID=⟦STS.{A25}⟧'], ['STS.AssumeRole'])
R('alibaba-sts-token', 'Alibaba Cloud STS security token', ['CAIS'], r'\b(CAIS[A-Za-z0-9+/=]{100,})', ['ALIBABA_CLOUD_SECURITY_TOKEN=⟦CAIS{b200}⟧'], ['CAIS'])
# source: https://www.tencentcloud.com/document/product/598/40488 (SecretId starts with AKID)
R('tencent-secret-id', 'Tencent Cloud SecretId', ['AKID'], tok('AKID', '[A-Za-z0-9]{32}'), ['TENCENTCLOUD_SECRET_ID=⟦AKID{A32}⟧'], ['AKID'])
# source: https://docs.tavily.com/documentation/api-reference/introduction (keys tvly-…, dev keys tvly-dev-…)
R('tavily-api-key', 'Tavily API key', ['tvly-'], tok('tvly-(?:dev-|prod-)?', '[A-Za-z0-9]{32}'), ['TAVILY_API_KEY=⟦tvly-{A32}⟧', '⟦tvly-dev-{A32}⟧'], ['tvly-short'])
# source: https://io.adafruit.com/api/docs/#authentication (AIO key: aio_ + 28)
R('adafruit-io-key', 'Adafruit IO key', ['aio_'], tok('aio_', '[A-Za-z0-9]{28}'), ['ADAFRUIT_IO_KEY=⟦aio_{A28}⟧'], ['aio_version'])
# source: https://render.com/docs/api#1-create-an-api-key (rnd_ keys)
R('render-api-key', 'Render API key', ['rnd_'], tok('rnd_', '[A-Za-z0-9]{32}'), ['RENDER_API_KEY=⟦rnd_{A32}⟧'], ['rnd_seed'])
# source: https://www.cockroachlabs.com/docs/cockroachcloud/managing-access#api-access (service account API secret keys, CCDB1_ prefix)
R('cockroachdb-api-key', 'CockroachDB Cloud API secret key', ['CCDB1_'], tok('CCDB1_', '[A-Za-z0-9]{22}_[A-Za-z0-9]{40}'), ['COCKROACH_API_KEY=⟦CCDB1_{A22}_{A40}⟧'], ['CCDB1_x'])
# source: https://docs.midtrans.com/docs/access-keys (Mid-server-…, sandbox SB-Mid-server-…)
R('midtrans-server-key', 'Midtrans server key', ['Mid-server-'], r'\b((?:SB-)?Mid-server-[A-Za-z0-9_-]{20,32})\b', ['MIDTRANS_SERVER_KEY=⟦Mid-server-{u24}⟧', '⟦SB-Mid-server-{u24}⟧'], ['Mid-server-x'])
# source: https://www.elastic.co/docs/deploy-manage/api-keys/elastic-cloud-api-keys (Elastic Cloud API keys, essu_ prefix)
R('elastic-cloud-api-key', 'Elastic Cloud API key', ['essu_'], r'\b(essu_[A-Za-z0-9+/]{60,}={0,2})', ['EC_API_KEY=⟦essu_{b90}⟧'], ['essu_x'])
# source: https://docs.dependencytrack.org/integrations/rest-api/ (API keys, odt_ prefix since v4.10)
R('dependency-track-api-key', 'OWASP Dependency-Track API key', ['odt_'], tok('odt_', '[A-Za-z0-9]{32,64}'), ['DTRACK_API_KEY=⟦odt_{A32}⟧'], ['odt_'])
# source: https://docs.api.nvidia.com/nim/reference/ (nvapi- keys)
R('nvidia-api-key', 'NVIDIA NIM / NGC API key', ['nvapi-'], tok('nvapi-', '[A-Za-z0-9_-]{64}'), ['NVIDIA_API_KEY=⟦nvapi-{u64}⟧'], ['nvapi-x'])
# source: https://jina.ai/embeddings/ (jina_ keys)
R('jina-api-key', 'Jina AI API key', ['jina_'], tok('jina_', '[A-Za-z0-9]{56,64}'), ['JINA_API_KEY=⟦jina_{h32}{A28}⟧'], ['jina_embeddings'])
# source: https://langfuse.com/docs/api (secret keys sk-lf-<uuid>)
R('langfuse-secret-key', 'Langfuse secret key', ['sk-lf-'], r'\b(sk-lf-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b', ['LANGFUSE_SECRET_KEY=⟦sk-lf-{h8}-{h4}-{h4}-{h4}-{h12}⟧'], ['sk-lf-x'])
R('browserbase-api-key', 'Browserbase API key', ['bb_live_'], tok('bb_live_', '[A-Za-z0-9_-]{24,40}'), ['⟦bb_live_{u27}⟧'], ['bb_live_'])
R('e2b-api-key', 'E2B API key', ['e2b_'], tok('e2b_', '[a-f0-9]{40}'), ['E2B_API_KEY=⟦e2b_{h40}⟧'], ['e2b_x'])
R('llamacloud-api-key', 'LlamaCloud API key', ['llx-'], tok('llx-', '[A-Za-z0-9]{40,52}'), ['⟦llx-{A48}⟧'], ['llx-'])
R('helicone-api-key', 'Helicone API key', ['sk-helicone-'], r'\b(sk-helicone-(?:[a-z0-9]{7}-){3}[a-z0-9]{7})\b', ['⟦sk-helicone-{a7}-{a7}-{a7}-{a7}⟧'], ['sk-helicone-'])
R('together-api-key-prefixed', 'Together AI API key (tgp_v1_)', ['tgp_v1_'], tok('tgp_v1_', '[A-Za-z0-9_-]{43}'), ['⟦tgp_v1_{u43}⟧'], ['tgp_v1_'])
R('neon-api-key', 'Neon API key', ['napi_'], tok('napi_', '[a-z0-9]{64}'), ['NEON_API_KEY=⟦napi_{a64}⟧'], ['napi_x'])
# source: https://tailscale.com/kb/1085/auth-keys (tskey-auth-, tskey-api-, tskey-client-)
R('tailscale-key', 'Tailscale auth / API / OAuth client key', ['tskey-'], r'\b(tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{6,}-[A-Za-z0-9]{20,})', ['TS_AUTHKEY=⟦tskey-auth-{A12}-{A32}⟧'], ['tskey-auth-'])
R('portainer-api-key', 'Portainer access token', ['ptr_'], tok('ptr_', '[A-Za-z0-9+/=_-]{40,}'), ['⟦ptr_{u43}⟧'], ['ptr_x'])
# source: https://posthog.com/docs/api (personal API keys phx_)
R('posthog-personal-api-key', 'PostHog personal API key', ['phx_'], tok('phx_', '[A-Za-z0-9]{43}'), ['POSTHOG_PERSONAL_API_KEY=⟦phx_{A43}⟧'], ['phx_x'])
R('honeycomb-api-key', 'Honeycomb ingest / configuration key', ['hcaik_','hcxik_','hcamk_'], r'\b(hc[ax][ikm]k_[a-z0-9]{58})\b', ['⟦hcaik_{a58}⟧'], ['hcaik_x'])
R('xendit-secret-key', 'Xendit secret key', ['xnd_'], tok('xnd_(?:production|development)_', '[A-Za-z0-9]{40,}'), ['⟦xnd_production_{A60}⟧'], ['xnd_production_'])
R('stytch-secret', 'Stytch project secret', ['secret-live-','secret-test-'], tok('secret-(?:live|test)-', '[A-Za-z0-9_=-]{36}'), ['⟦secret-live-{u36}⟧'], ['secret-live-x'])
R('statsig-server-secret', 'Statsig server secret key', ['secret-'], r'(?:^|[^A-Za-z0-9_-])(secret-[A-Za-z0-9]{43})(?:[^A-Za-z0-9_-]|$)', ['STATSIG_SERVER_SECRET=⟦secret-{A43}⟧'], ['secret-santa-list-of-names-and-more-words-here'])
R('dbt-cloud-token', 'dbt Cloud service / personal token', ['dbtc_','dbtu_'], tok('dbt[cu]_', '[A-Za-z0-9_-]{40,}'), ['⟦dbtc_{u56}⟧'], ['dbtc_x'])
R('hex-token', 'Hex API token', ['hxtp_','hxtw_'], tok('hxt[pw]_', '[a-f0-9]{64}'), ['⟦hxtp_{h64}⟧'], ['hxtp_x'])
R('metabase-api-key', 'Metabase API key', ['mb_'], tok('mb_', '[A-Za-z0-9+/]{43}='), ['MB_API_KEY=⟦mb_{b43}=⟧'], ['mb_x'])
R('retool-api-key', 'Retool API key', ['retool_'], tok('retool_', '[A-Za-z0-9]{32}'), ['⟦retool_{A32}⟧'], ['retool_x'])
R('trigger-dev-key', 'Trigger.dev secret key', ['tr_prod_','tr_dev_','tr_stg_'], tok('tr_(?:prod|dev|stg)_', '[A-Za-z0-9]{20,}'), ['⟦tr_prod_{A20}⟧'], ['tr_prod_'])
R('inngest-signing-key', 'Inngest signing key', ['signkey-'], tok('signkey-(?:prod|test|branch)-', '[a-f0-9]{64}'), ['⟦signkey-prod-{h64}⟧'], ['signkey-prod-'])
R('liveblocks-secret-key', 'Liveblocks secret key', ['sk_prod_','sk_dev_'], tok('sk_(?:prod|dev)_', '[A-Za-z0-9_-]{40,}'), ['⟦sk_prod_{u64}⟧'], ['sk_prod_'])
R('vercel-blob-token', 'Vercel Blob read-write token', ['vercel_blob_rw_'], tok('vercel_blob_rw_', '[A-Za-z0-9]{16}_[A-Za-z0-9]{30}'), ['⟦vercel_blob_rw_{A16}_{A30}⟧'], ['vercel_blob_rw_'])
R('infisical-token', 'Infisical service token', ['st.'], r'\b(st\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[a-f0-9]{32}\.[a-f0-9]{32})\b', ['⟦st.{h8}-{h4}-{h4}-{h4}-{h12}.{h32}.{h32}⟧'], ['st.x'])
R('bitwarden-access-token', 'Bitwarden Secrets Manager access token', ['0.'], r'(?:^|[^A-Za-z0-9.])(0\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9]{30}:[A-Za-z0-9+/]{22}==)', ['BWS_ACCESS_TOKEN=⟦0.{h8}-{h4}-{h4}-{h4}-{h12}.{A30}:{b22}==⟧'], ['0.5'])
R('jumpcloud-api-key', 'JumpCloud API key', ['jca_'], tok('jca_', '[A-Za-z0-9]{36}'), ['⟦jca_{A36}⟧'], ['jca_x'])
R('onesignal-api-key', 'OneSignal app / organization API key', ['os_v2_'], tok('os_v2_(?:app|org)_', '[a-z0-9]{50,}'), ['⟦os_v2_app_{a100}⟧'], ['os_v2_app_'])
R('mailersend-api-key', 'MailerSend API token', ['mlsn.'], tok(r'mlsn\.', '[a-f0-9]{64}'), ['⟦mlsn.{h64}⟧'], ['mlsn.x'])
R('hubspot-private-app-token', 'HubSpot private app access token', ['pat-na','pat-eu'], r'\b(pat-(?:na|eu)\d-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b', ['HUBSPOT_ACCESS_TOKEN=⟦pat-na1-{h8}-{h4}-{h4}-{h4}-{h12}⟧'], ['pat-na1-x'])
R('clickup-api-token', 'ClickUp personal API token', ['pk_'], r'\b(pk_\d{6,10}_[A-Z0-9]{32})\b', ['⟦pk_{d8}_{U32}⟧'], ['pk_live_x'])
R('trello-token', 'Trello API token', ['ATTA'], tok('ATTA', '[a-f0-9]{64,72}'), ['TRELLO_TOKEN=⟦ATTA{h64}{h8}⟧'], ['ATTA'])
R('appwrite-api-key', 'Appwrite API key', ['standard_'], tok('standard_', '[a-f0-9]{256}'), ['⟦standard_{h256}⟧'], ['standard_x'])
R('convex-deploy-key', 'Convex deploy key', ['prod:','preview:','dev:'], r'(?:^|[^A-Za-z0-9_-])((?:prod|preview|dev):[a-z0-9-]{3,40}\|[A-Za-z0-9_=-]{40,})', ['CONVEX_DEPLOY_KEY=⟦prod:{a12}|{u60}⟧'], ['prod:latest'])
R('deno-deploy-token', 'Deno Deploy access token', ['ddp_','ddw_'], tok('dd[pw]_', '[A-Za-z0-9]{36}'), ['⟦ddp_{A36}⟧'], ['ddp_x'])
R('zapier-api-key', 'Zapier NLA / AI actions key', ['sk-ak-'], tok('sk-ak-', '[A-Za-z0-9]{32}'), ['⟦sk-ak-{A32}⟧'], ['sk-ak-x'])
R('paddle-api-key', 'Paddle Billing API key', ['pdl_'], r'\b(pdl_(?:live|sdbx)_apikey_[a-z0-9]{26}_[A-Za-z0-9]{22}_[A-Za-z0-9]{3})\b', ['⟦pdl_live_apikey_{a26}_{A22}_{A3}⟧'], ['pdl_live_'])
R('stackhawk-api-key', 'StackHawk API key', ['hawk.'], r'\b(hawk\.[A-Za-z0-9]{20}\.[A-Za-z0-9]{20})\b', ['⟦hawk.{A20}.{A20}⟧'], ['hawk.x'])
R('packagist-token', 'Packagist API token', ['packagist_'], tok('packagist_[ou][ru]t_', '[a-f0-9]{68}'), ['⟦packagist_uut_{h68}⟧'], ['packagist_x'])
R('adobe-client-secret', 'Adobe IMS client secret', ['p8e-'], tok('p8e-', '[A-Za-z0-9_-]{32}'), ['⟦p8e-{u32}⟧'], ['p8e-x'])
R('miro-access-token', 'Miro access token', ['eyJtaXJvLm9yaWdpbiI6'], r'\b(eyJtaXJvLm9yaWdpbiI6[A-Za-z0-9_-]{10,}_[A-Za-z0-9_-]{20,})', ['⟦eyJtaXJvLm9yaWdpbiI6ImV1MDEifQ_{u60}⟧'], ['eyJtaXJvLm9yaWdpbiI6'])
R('mapbox-temporary-token', 'Mapbox temporary token (tk.)', ['tk.eyJ'], r'\b(tk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,})', ['⟦tk.eyJ1Ijoi{u60}.{u22}⟧'], ['tk.eyJ'])
R('cloudinary-url', 'Cloudinary URL with API secret', ['cloudinary://'], r'cloudinary://\d+:([A-Za-z0-9_-]{20,})@', ['CLOUDINARY_URL=cloudinary://{d15}:⟦{u27}⟧@demo'], ['cloudinary://123@demo'], kind='s')
R('deepsource-dsn', 'DeepSource DSN', ['deepsource'], r'https://([a-f0-9]{32})@app\.deepsource\.com', ['DEEPSOURCE_DSN=https://⟦{h32}⟧@app.deepsource.com'], ['https://app.deepsource.com'])
R('teamcity-token', 'TeamCity access token', ['eyJ0eXAiOiAiVENWMiJ9'], r'\b(eyJ0eXAiOiAiVENWMiJ9\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,})', ['⟦eyJ0eXAiOiAiVENWMiJ9.{u36}.{u48}⟧'], ['eyJ0eXAiOiAiVENWMiJ9'])
R('neptune-api-token', 'Neptune.ai API token', ['eyJhcGlfYWRkcmVzcyI6'], r'\b(eyJhcGlfYWRkcmVzcyI6[A-Za-z0-9+/=_-]{40,})', ['⟦eyJhcGlfYWRkcmVzcyI6{u80}⟧'], ['eyJhcGlfYWRkcmVzcyI6'])
# source: https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/ (client-key-data: base64 PEM private key)
R('kubeconfig-client-key', 'Kubernetes kubeconfig client-key-data (base64 private key) and token', ['client-key-data'], r'client-key-data\\?["\']?\s*:\s*\\?["\']?([A-Za-z0-9+/]{40,}={0,2})', ['    client-key-data: ⟦{b200}⟧'], ['client-key-data: <base64>'], kind='s')
# source: https://developers.cloudflare.com/fundamentals/api/get-started/token-formats/ (scannable formats since
# 2026: cfk_ Global API Key, cfut_ user API token, cfat_ account API token, "a distinct prefix followed by 40
# characters and a checksum"; the checksum is 8 characters per the secretlint rule written from that page)
R('cloudflare-scannable-token', 'Cloudflare API credential in the scannable format (cfk_ global key, cfut_ user token, cfat_ account token)', ['cfk_','cfut_','cfat_'],
  tok('cf(?:k|ut|at)_', '[A-Za-z0-9]{48}'),
  ['CLOUDFLARE_API_TOKEN=⟦cfut_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzd7149d439⟧', 'echo ⟦cfat_J0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlSXpfKtHfae923d5⟧', 'X-Auth-Key: ⟦cfk_Wvj7FAc9QeWJKY40uvSwMFLZDe1f8rESQedUStPKe9cb0eb5⟧'],
  ['cfut_short', 'cfk_', 'cfut_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d'])
# A command-line option whose name ends in a secret word (--github-token, --bearer-token, --oauth2-bearer,
# --api_key, -token, --registry-password): the value is the next argument or follows `=`. Options of that
# shape that hold no secret (pagination and CSRF tokens, switches such as --ask-pass, --show-token) are told
# apart by the option's name (`filter.rs`, `cli_flag_holds_no_secret`).
R('cli-secret-flag', 'Secret passed to a command-line option whose name ends in a secret word (--github-token X, --api_key=X, -token X, --oauth2-bearer X)',
  # Keywords are indexed by their first three bytes: `_to` `_se` `_pa` would be checked at every
  # `_path` `_self` `_to_string` of source code, so underscore names are listed whole.
  # (`-bearer` would be checked at every `-----BEGIN`: its trigram is `-be`.)
  ['-token','-password','-passwd','-secret','-api-key','-api_key','-apikey','oauth2-bearer','-passphrase',
   '--auth_token','--access_token','--api_token','--github_token','--client_secret','--secret_key','--db_password','--admin_password','--root_password'],
  r'(?i)(?:^|[\s"\'])--?(?:[a-z0-9]+[-_])*(?:token|password|passwd|passphrase|secret|api[-_]?key|bearer)(?:=|\s+)' + V_NODASH,
  ['tool --github-token ⟦Zq8rT2mW9xQ4vL⟧', 'tool --api_key=⟦Zq8rT2mW9xQ4vL⟧', 'tool -token ⟦Zq8rT2mW9xQ4vL⟧', 'curl --oauth2-bearer ⟦Zq8rT2mW9xQ4vL7pK3nB6y⟧ https://x',
   'tool --bearer-token "⟦Zq8rT2mW9xQ4vL⟧"', 'helm repo add r https://r --registry-password ⟦Zq8rT2mW9xQ4vL⟧'],
  ['aws s3api list-objects --bucket b --starting-token eyJNYXJrZXIiOiBudWxsfQ==', 'gcloud x list --page-token CiAKGjBpNDd2Nmp', 'ansible-playbook --ask-pass -i hosts site.yml',
   'gh auth status --show-token', 'tool --token-file /run/token', 'tool --github-token $GITHUB_TOKEN', 'tool --max-tokens 4096', 'tool --api-key <key>', 'git commit --no-secret foo'], kind='g', autoneg=False)
SECRET_NAMES = r'(?:pass(?:word|wd|phrase)?|pwd|secret|token|api_?key|apikey|access_?key|private_?key|secret_?key|auth_?key|credentials?|client_?secret|auth_?token|access_?token|refresh_?token|bearer|session_?key|signing_?key|encryption_?key|master_?key|_authtoken|secret_key_base|private_token)'
KEYWORDS_NAMES = ['pass','pwd','secret','token','api_key','apikey','api-key','access_key','accesskey','private_key','privatekey','secret_key','auth_key','credential','_authtoken','bearer','session_key','signing_key','encryption_key','master_key','private_token']
R('secret-assignment', '.env / shell / config assignment of a key named like a secret (DB_PASSWORD=…, export X_TOKEN=…)', KEYWORDS_NAMES,
  r'(?i)(?:^|[^\w$.{-])(?:export\s+|set\s+|setenv\s+)?(?:[\w.-]*?[_.-])?' + SECRET_NAMES + r'\d*\\?["\']?(?:\s*:?=|=)\s*' + r'["\']?([^\s"\'$<>;|&`(){}\[\],\\][^\s"\'<>;|&`(){}\[\],\\]{3,200})',
  ['DB_PASSWORD=⟦hunter2!⟧', 'export SLACK_SIGNING_SECRET=⟦{h32}⟧', 'spring.datasource.password=⟦{A14}⟧', 'SECRET_KEY_BASE="⟦{h64}⟧"', 'api_key := ⟦{A30}⟧', 'docker run -e POSTGRES_PASSWORD=⟦{A16}⟧ postgres'],
  ['DB_PASSWORD=${DB_PASSWORD}', 'PASSWORD_FILE=/run/secrets/pw', 'TOKEN=$(cat /run/token)', 'password=password', 'let token = next_token();', 'MAX_TOKENS=4096', 'api_key=os.environ.get', 'PASSWORD=changeme', 'secret=args.secret'], kind='g', autoneg=False, win='assign')
R('secret-literal', 'String literal assigned to a variable, field or key named like a secret (password = "…", "apiKey": "…")', KEYWORDS_NAMES,
  r'(?i)(?:^|[^\w$-])(?:[\w.-]*?[_.-]?)' + SECRET_NAMES + r'\d*\\?["\']?\s*(?:=|:=|=>|:)\s*(?:[brf]|new\s+String\()?\\?["\'`]([^\s"\'`\\$<>{}]{6,200})\\?["\'`]',
  ['password = "⟦hunter2!⟧"', '"apiKey": "⟦{A32}⟧"', 'client_secret: \'⟦{u40}⟧\'', 'const stripeSecret = `⟦{A28}⟧`;', '\\"password\\":\\"⟦Sup3r-s3cret⟧\\"'],
  ['password = ""', 'token = "<your-token>"', 'secret = "${SECRET}"', 'password: "your_password_here"', 'error = "invalid password"', 'password = "********"', 'token_type = "bearer"', 'password == "abc123"'], kind='g', ent=2.3, autoneg=False, win='qassign')
R('secret-yaml-value', 'YAML / properties value of a key named like a secret (password: …)', KEYWORDS_NAMES,
  r'(?im)^[ \t-]*(?:[\w.-]*?[_.-]?)' + SECRET_NAMES + r'\d*["\']?[ \t]*:[ \t]+([^\s"\'#&*!|>{}\[\]$<][^\s"\'<>]{3,200})[ \t]*$',
  ['  password: ⟦hunter2!⟧', 'db:\n  api_key: ⟦{A32}⟧\n', 'auth_token: ⟦{u40}⟧'],
  ['password: String,', 'token: Token', 'password: ${DB_PASSWORD}', 'secret: *default', 'api_key: str', '  password: changeme'], kind='g', ent=0.0, autoneg=False, win='linestart')
# The generic assignment grammar (src/grammar.rs is its specification; the regex documents the
# simplest form only). Keywords: any name holding one of them is parsed.
R('secret-grammar', 'A value assigned to a name that says it is a secret, in any assignment grammar (shell, dotenv, YAML, JSON, XML, Makefile ?= ::=, PHP .= =>, typed declarations, call and constructor arguments)',
  ['pass','pwd','secret','token','key','auth','cred','psk','pat','_sk','-sk','sdksk'],
  r'(?i)(?:password|secret|token|api_?key)\s*[:=]\s*["\']?([^\s"\']{6,})',
  ['SECRET-KEY: ⟦Zq8rT2mW{A8}⟧', 'DB_PASSWORD ?= ⟦Zq8rT2mW{A8}⟧', '$password .= \'⟦Zq8rT2mW{A8}⟧\';', "props.setProperty(\"password\", \"⟦Zq8rT2mW{A8}⟧\");",
   'var c = new NetworkCredential("svc", "⟦Zq8rT2mW{A8}⟧");', 'const token: string = "⟦Zq8rT2mW{A8}⟧";', '<password>⟦Zq8rT2mW{A8}⟧</password>',
   '<add key="ApiKey" value="⟦Zq8rT2mW{A8}⟧" />', 'password = "⟦correcthorsebatterystaple⟧"', 'HUBSPOT_API_KEY=⟦{h8}-{h4}-4{h3}-a{h3}-{h12}⟧', 'license_key = ⟦Zq8rT2mW{A8}⟧',
   "const huaweicloudSdkSk = '⟦{A40}⟧';", 'CYPRESS_RECORD_KEY=⟦{h8}-{h4}-4{h3}-a{h3}-{h12}⟧',
   '  WP_APPLICATION_PASSWORD: ⟦{A4} {A4} {A4} {A4} {A4} {A4}⟧', '{"wgPrivateKey": "⟦/5T+{b39}=⟧"}',
   'password = "⟦dishwasheremberhorsevelvet⟧"', 'api_key: ⟦QTy%sunshine422⟧'],
  ['password: "Password"', 'token_type: bearer', "password = request.form['password']", 'api_key=api_key', 'API_KEY=your-api-key-here', 'GITHUB_TOKEN=ghp_short',
   'password: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]', 'csrf_token: 8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c', 'max_tokens: 4096', 'cache_key = user_id',
   'password: hunter2 # example', 'secret: Zq8rT2mW{A8}  // placeholder', 'secret: /var/run/secrets/app/token', 'password = "enteryourpasswordhere"', 'token: "your-token-here"', 'password = "%s"'],
  kind='g', autoneg=False, win='grammar')
